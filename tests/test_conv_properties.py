"""Property-based checks (hypothesis): output sizes, adjointness, naive == im2col."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnn_lib.functional.conv import conv2d, conv2d_backward
from cnn_lib.functional.padding import conv_output_size, resolve_padding
from cnn_lib.functional.pooling import avg_pool2d, avg_pool2d_backward

# derandomize: the same examples on every run, like every other seeded test.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@SETTINGS
@given(
    n=st.integers(1, 30),
    kernel_size=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_conv_output_size_counts_window_positions(n, kernel_size, stride, padding, dilation):
    padded = n + 2 * padding
    # Count the start positions whose last tap still lands inside the padded input.
    count = sum(
        1 for start in range(0, padded, stride) if start + dilation * (kernel_size - 1) < padded
    )
    if count == 0:
        with pytest.raises(ValueError, match="spans"):
            conv_output_size(n, kernel_size, stride, padding, dilation)
    else:
        assert conv_output_size(n, kernel_size, stride, padding, dilation) == count


@st.composite
def conv_problems(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(
        st.one_of(
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.sampled_from(["valid", "full"] + (["same"] if stride == (1, 1) else [])),
        )
    )
    pads = resolve_padding(padding, kernel, stride, dilation)
    size = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    for axis in (0, 1):
        assume(size[axis] + sum(pads[axis]) >= dilation[axis] * (kernel[axis] - 1) + 1)
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return (n, c, o), kernel, size, (stride, padding, dilation), seed


@SETTINGS
@given(conv_problems())
def test_conv_input_gradient_is_the_adjoint(problem):
    # conv2d with bias None is linear in x, so <conv(x), y> == <x, conv^T(y)> where
    # conv^T is the input gradient; similarly for the weight.
    (n, c, o), kernel, size, args, seed = problem
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, *size))
    w = rng.normal(size=(o, c, *kernel))
    y = conv2d(x, w, None, *args)
    r = rng.normal(size=y.shape)
    grad_x, grad_w, grad_b = conv2d_backward(r, x, w, None, *args)
    assert grad_b is None
    assert np.sum(y * r) == pytest.approx(np.sum(x * grad_x), rel=1e-9, abs=1e-9)
    assert np.sum(y * r) == pytest.approx(np.sum(w * grad_w), rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(conv_problems())
def test_naive_equals_im2col_on_random_problems(problem):
    (n, c, o), kernel, size, args, seed = problem
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, c, *size)), rng.normal(size=(o, c, *kernel)), rng.normal(size=o)
    y = conv2d(x, w, b, *args, impl="naive")
    np.testing.assert_allclose(conv2d(x, w, b, *args), y, rtol=1e-10, atol=1e-10)
    r = rng.normal(size=y.shape)
    naive = conv2d_backward(r, x, w, b, *args, impl="naive")
    fast = conv2d_backward(r, x, w, b, *args)
    for a, e in zip(fast, naive, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    size=st.tuples(st.integers(3, 8), st.integers(3, 8)),
    seed=st.integers(0, 2**32 - 1),
)
def test_avg_pool_backward_is_the_adjoint(kernel, stride, size, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 2, *size))
    y = avg_pool2d(x, kernel, stride)
    r = rng.normal(size=y.shape)
    grad_x = avg_pool2d_backward(r, x.shape, kernel, stride)
    assert np.sum(y * r) == pytest.approx(np.sum(x * grad_x), rel=1e-9, abs=1e-9)
