"""2-D correlation/convolution against scipy.signal, hand examples and bad input.

Both implementations (``impl="naive"``, the teaching loop, and the fast default)
are compared with SciPy and with each other.
"""

import numpy as np
import pytest
from scipy import signal

from cnn_lib.functional.correlate import convolve2d, correlate2d

MODES = ["valid", "same", "full"]
IMPLS = ["naive", "fast"]
# Odd, even and non-square kernels; square and non-square images.
KERNELS = [(1, 1), (2, 2), (3, 3), (4, 4), (2, 3), (3, 2), (1, 4), (5, 2)]
IMAGES = [(6, 6), (5, 8), (9, 4)]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel_shape", KERNELS)
@pytest.mark.parametrize("image_shape", IMAGES)
def test_matches_scipy(image_shape, kernel_shape, mode, impl):
    if mode == "valid" and any(k > n for k, n in zip(kernel_shape, image_shape, strict=True)):
        pytest.skip("valid mode needs the kernel to fit")
    rng = np.random.default_rng(sum(image_shape) * 10 + sum(kernel_shape))
    x = rng.normal(size=image_shape)
    k = rng.normal(size=kernel_shape)
    np.testing.assert_allclose(
        correlate2d(x, k, mode, impl=impl), signal.correlate2d(x, k, mode), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        convolve2d(x, k, mode, impl=impl), signal.convolve2d(x, k, mode), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("mode", ["same", "full"])
def test_kernel_larger_than_image_matches_scipy(mode, impl):
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(3, 4)), rng.normal(size=(5, 6))
    np.testing.assert_allclose(correlate2d(x, k, mode, impl), signal.correlate2d(x, k, mode))
    np.testing.assert_allclose(convolve2d(x, k, mode, impl), signal.convolve2d(x, k, mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_equals_the_teaching_loop(mode, dtype):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(37, 23)).astype(dtype)
    for kernel_shape in [(3, 3), (4, 2), (1, 5), (6, 6)]:
        k = rng.normal(size=kernel_shape).astype(dtype)
        for fn in (correlate2d, convolve2d):
            fast, naive = fn(x, k, mode), fn(x, k, mode, impl="naive")
            assert fast.dtype == naive.dtype == dtype
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(fast, naive, rtol=tol, atol=tol)


def test_fast_default_on_a_large_image_matches_scipy():
    # 600 x 600 "full": the loop would take seconds here; the default must not need it.
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(600, 600)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(
        correlate2d(x, k, "full"), signal.correlate2d(x, k, "full"), rtol=1e-12, atol=1e-12
    )


def test_unknown_impl_lists_the_choices():
    for fn in (correlate2d, convolve2d):
        with pytest.raises(ValueError, match=r"impl must be one of 'fast', 'naive', got 'fft'"):
            fn(np.ones((4, 4)), np.ones((2, 2)), impl="fft")


@pytest.mark.parametrize("impl", IMPLS)
def test_hand_worked_example(impl):
    x = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    # Correlation: x[i, j] - x[i+1, j+1].
    np.testing.assert_array_equal(correlate2d(x, k, impl=impl), [[0.0, -1.0], [0.0, 0.0]])
    # Convolution flips k to [[-1, 0], [0, 1]]: x[i+1, j+1] - x[i, j].
    np.testing.assert_array_equal(convolve2d(x, k, impl=impl), [[0.0, 1.0], [0.0, 0.0]])
    # "full" of a 1x1 image with a kernel reproduces the (flipped) kernel.
    np.testing.assert_array_equal(convolve2d([[1.0]], k, "full", impl=impl), k)
    np.testing.assert_array_equal(correlate2d([[1.0]], k, "full", impl=impl), k[::-1, ::-1])


@pytest.mark.parametrize("impl", IMPLS)
def test_float32_stays_float32(impl):
    x = np.ones((4, 4), dtype=np.float32)
    assert correlate2d(x, np.ones((2, 2), dtype=np.float32), impl=impl).dtype == np.float32
    assert convolve2d(x, np.ones((2, 2), np.float32), "same", impl).dtype == np.float32
    mixed = correlate2d(x, np.ones((2, 2)), impl=impl)  # float32 with float64: float64
    assert mixed.dtype == np.float64


@pytest.mark.parametrize(
    ("x", "k", "mode", "match"),
    [
        (np.ones((1, 4, 4)), np.ones((2, 2)), "valid", r"x must be 2-D \(H, W\), got shape"),
        (np.ones((4, 4)), np.ones(3), "valid", r"k must be 2-D \(H, W\), got shape \(3,\)"),
        (np.ones((4, 4)), np.ones((2, 2)), "circular", r"mode must be one of .* got 'circular'"),
        (np.ones((2, 4)), np.ones((3, 3)), "valid", r"mode='valid' needs the kernel k no larger"),
        (np.full((2, 2), np.nan), np.ones((1, 1)), "valid", r"x contains NaN"),
        (np.ones((2, 2), dtype=complex), np.ones((1, 1)), "valid", r"x must be a numeric"),
    ],
)
def test_bad_input_raises(x, k, mode, match):
    for fn in (correlate2d, convolve2d):
        with pytest.raises(ValueError, match=match):
            fn(x, k, mode)


def test_multichannel_hint():
    with pytest.raises(ValueError, match="use conv2d"):
        correlate2d(np.ones((1, 1, 4, 4)), np.ones((2, 2)))
