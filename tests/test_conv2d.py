"""conv2d: naive vs im2col, scipy and hand references, finite differences, the layer."""

import itertools

import numpy as np
import pytest
from finite_differences import numerical_grad
from scipy import signal

from cnn_lib.functional.conv import conv2d, conv2d_backward
from cnn_lib.functional.padding import conv_output_size, pad2d, resolve_padding
from cnn_lib.functional.unfold import col2im, im2col
from cnn_lib.layers.conv import Conv2d


def random_problem(rng, n, c, o, kernel, image, dtype=np.float64):
    x = rng.normal(size=(n, c, *image)).astype(dtype)
    w = rng.normal(size=(o, c, *kernel)).astype(dtype)
    b = rng.normal(size=o).astype(dtype)
    return x, w, b


# --- naive == im2col over a grid ---------------------------------------------

KERNELS = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (2, 3), (3, 1), (1, 4), (5, 2)]
PADDINGS = [0, 1, (2, 1), "valid", "same", "full"]
SHAPES = [(1, 1, 1), (2, 3, 2), (3, 2, 4)]  # (batch, in_channels, out_channels)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel", KERNELS)
def test_naive_matches_im2col(kernel, stride, dtype):
    rng = np.random.default_rng(100 * kernel[0] + 10 * kernel[1] + stride)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    for (dilation, padding), (n, c, o) in zip(
        itertools.product([1, 2], PADDINGS), itertools.cycle(SHAPES)
    ):
        if padding == "same" and stride > 1:
            continue
        # Just big enough for the dilated kernel to fit without padding.
        image = (dilation * (kernel[0] - 1) + 3, dilation * (kernel[1] - 1) + 2)
        x, w, b = random_problem(rng, n, c, o, kernel, image, dtype)
        args = (stride, padding, dilation)
        y_naive = conv2d(x, w, b, *args, impl="naive")
        y_fast = conv2d(x, w, b, *args, impl="im2col")
        assert y_fast.dtype == y_naive.dtype == dtype
        np.testing.assert_allclose(y_fast, y_naive, **tol)
        g = rng.normal(size=y_naive.shape).astype(dtype)
        grads_naive = conv2d_backward(g, x, w, b, *args, impl="naive")
        grads_fast = conv2d_backward(g, x, w, b, *args, impl="im2col")
        for fast, naive, ref in zip(grads_fast, grads_naive, (x, w, b), strict=True):
            assert fast.shape == naive.shape == ref.shape
            assert fast.dtype == naive.dtype == dtype
            np.testing.assert_allclose(fast, naive, **tol)


# --- independent references ----------------------------------------------------


def reference_conv(x, w, b, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """scipy.signal.correlate2d per (n, o, c), then subsample for the stride."""
    x = np.pad(x, ((0, 0), (0, 0), *pads))
    k = np.zeros(
        (*w.shape[:2], dilation[0] * (w.shape[2] - 1) + 1, dilation[1] * (w.shape[3] - 1) + 1)
    )
    k[:, :, :: dilation[0], :: dilation[1]] = w
    out = np.array(
        [
            [
                b[o] + sum(signal.correlate2d(x[n, c], k[o, c], "valid") for c in range(x.shape[1]))
                for o in range(w.shape[0])
            ]
            for n in range(x.shape[0])
        ]
    )
    return out[:, :, :: stride[0], :: stride[1]]


@pytest.mark.parametrize("impl", ["naive", "im2col"])
@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "pads", "dilation"),
    [
        ((3, 3), 1, 0, ((0, 0), (0, 0)), 1),
        ((3, 2), 2, 1, ((1, 1), (1, 1)), 1),
        ((2, 2), 1, "same", ((0, 1), (0, 1)), 1),
        ((4, 3), 1, "same", ((1, 2), (1, 1)), 1),
        ((3, 3), 1, "same", ((2, 2), (2, 2)), 2),
        ((2, 3), 1, "full", ((1, 1), (2, 2)), 1),
        ((3, 3), 3, (2, 1), ((2, 2), (1, 1)), 2),
    ],
)
def test_forward_matches_scipy_reference(kernel, stride, padding, pads, dilation, impl):
    rng = np.random.default_rng(7)
    x, w, b = random_problem(rng, 2, 3, 2, kernel, (9, 8))
    expected = reference_conv(x, w, b, (stride, stride), pads, (dilation, dilation))
    got = conv2d(x, w, b, stride, padding, dilation, impl)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_hand_worked_example():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # (1, 1, 2, 2)
    # Each output is x[i, j] - x[i+1, j+1] = -4, plus the bias 0.5.
    for impl in ("naive", "im2col"):
        np.testing.assert_array_equal(
            conv2d(x, w, np.array([0.5]), impl=impl), np.full((1, 1, 2, 2), -3.5)
        )
    # Stride 2 with padding 1 on a 3x3 input of ones and a 3x3 kernel of ones counts the
    # pixels inside each window: corners see 4.
    y = conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2, padding=1)
    np.testing.assert_array_equal(y[0, 0], [[4.0, 4.0], [4.0, 4.0]])


def test_hand_worked_backward():
    # y = sum of 2x2 windows of a 3x3 input; dL/dy = 1 everywhere. Each input pixel's
    # gradient counts the windows containing it; the weight gradient sums the windows.
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)), np.zeros(1))
    np.testing.assert_array_equal(gx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(
        gw[0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]]
    )
    np.testing.assert_array_equal(gb, [4.0])


@pytest.mark.parametrize("impl", ["naive", "im2col"])
@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "bias"),
    [
        ((3, 3), 1, 1, 1, True),
        ((2, 3), 2, (1, 0), 1, True),
        ((3, 2), 1, "same", 2, False),
        ((2, 2), 3, "full", 1, True),
        ((3, 3), 2, 0, 2, True),
    ],
)
def test_gradients_match_finite_differences(kernel, stride, padding, dilation, bias, impl):
    rng = np.random.default_rng(3)
    x, w, b = random_problem(rng, 2, 2, 3, kernel, (7, 6))
    b = b if bias else None
    args = (stride, padding, dilation, impl)
    r = rng.normal(size=conv2d(x, w, b, *args).shape)

    def loss():
        return np.sum(conv2d(x, w, b, *args) * r)

    gx, gw, gb = conv2d_backward(r, x, w, b, *args)
    np.testing.assert_allclose(gx, numerical_grad(loss, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, numerical_grad(loss, w), rtol=1e-6, atol=1e-7)
    if bias:
        np.testing.assert_allclose(gb, numerical_grad(loss, b), rtol=1e-6, atol=1e-7)
    else:
        assert gb is None


def test_im2col_and_col2im_are_adjoint():
    # <im2col(x), c> == <x, col2im(c)> for any x, c: col2im is im2col's transpose.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 7, 6))
    cols = im2col(x, (3, 2), (2, 1), (1, 2))
    c = rng.normal(size=cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, x.shape, (3, 2), (2, 1), (1, 2)))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_dtype_promotion():
    x32 = np.ones((1, 1, 4, 4), dtype=np.float32)
    w32 = np.ones((1, 1, 3, 3), dtype=np.float32)
    assert conv2d(x32, w32).dtype == np.float32
    assert conv2d(x32.astype(np.float64), w32).dtype == np.float64
    assert conv2d(x32.astype(np.uint8), w32).dtype == np.float32  # integer pixels -> float32


# --- padding helpers ------------------------------------------------------------


@pytest.mark.parametrize("padding", [0, 2, (1, 3), ((1, 0), (2, 3))])
def test_pad2d_matches_np_pad(padding):
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    p = padding
    if isinstance(p, int):
        widths = ((p, p), (p, p))
    elif isinstance(p[0], int):
        widths = ((p[0], p[0]), (p[1], p[1]))
    else:
        widths = p
    expected = np.pad(x, ((0, 0), (0, 0), *widths), constant_values=1.5)
    got = pad2d(x, padding, value=1.5)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.float32


def test_resolve_padding_specs():
    assert resolve_padding("valid", 3) == ((0, 0), (0, 0))
    assert resolve_padding("same", 3) == ((1, 1), (1, 1))
    # Even kernels put the extra row/column at the bottom/right, like torch.
    assert resolve_padding("same", (2, 4)) == ((0, 1), (1, 2))
    assert resolve_padding("same", 3, dilation=2) == ((2, 2), (2, 2))
    assert resolve_padding("full", (3, 2), dilation=(1, 3)) == ((2, 2), (3, 3))
    assert resolve_padding(2, 5) == ((2, 2), (2, 2))
    assert resolve_padding((1, 0), 5) == ((1, 1), (0, 0))


def test_conv_output_size_hand_examples():
    assert conv_output_size(28, 3) == 26
    assert conv_output_size(28, 3, padding=1) == 28
    assert conv_output_size(28, 2, stride=2) == 14
    assert conv_output_size(7, 3, stride=2, padding=1) == 4
    assert conv_output_size(7, 3, dilation=3) == 1  # the dilated kernel spans 7 pixels
    assert conv_output_size(5, 5) == 1


# --- validation -------------------------------------------------------------------

X = np.ones((8, 1, 28, 28), dtype=np.float32)
W3 = np.ones((4, 3, 3, 3), dtype=np.float32)
W1 = np.ones((4, 1, 3, 3), dtype=np.float32)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: conv2d(X[0], W1),
            r"x must be 4-D .*got 3-D array of shape \(1, 28, 28\).*x\[None\]",
        ),
        (
            lambda: conv2d(X, W3),
            r"conv2d expected input with 3 channels, got 1 \(shape \(8, 1, 28, 28\)\)",
        ),
        (lambda: conv2d(X, W1[0]), r"weight must be 4-D .*got shape \(1, 3, 3\)"),
        (
            lambda: conv2d(X, W1, bias=np.ones(3)),
            r"bias must have shape \(out_channels,\) = \(4,\), got \(3,\)",
        ),
        (
            lambda: conv2d(X[:, :, :2], W1),
            r"kernel_size=3 spans 3 pixels but the padded input height "
            r"\(2 \+ padding 0 \+ 0\) is only 2",
        ),
        (
            lambda: conv2d(X[:, :, :, :4], W1, dilation=2),
            r"kernel_size=3 with dilation=2 spans 5 pixels .* width",
        ),
        (lambda: conv2d(X, W1, stride=0), r"stride must be a positive integer \(>= 1\), got 0"),
        (
            lambda: conv2d(X, W1, stride=(1, -2)),
            r"stride must be a positive integer \(>= 1\), got -2",
        ),
        (lambda: conv2d(X, W1, dilation=0), r"dilation must be a positive integer \(>= 1\), got 0"),
        (lambda: conv2d(X, W1, stride=1.5), r"stride must be a positive integer, got 1.5"),
        (lambda: conv2d(X, W1, padding=1.5), r"padding must be a non-negative integer, got 1.5"),
        (
            lambda: conv2d(X, W1, padding=-1),
            r"padding must be a non-negative integer \(>= 0\), got -1",
        ),
        (
            lambda: conv2d(X, W1, padding="half"),
            r"padding must be an int, a pair \(ph, pw\) or one of 'valid', 'same', 'full', "
            r"got 'half'",
        ),
        (
            lambda: conv2d(X, W1, padding=(1, 2, 3)),
            r"padding must be an int or a pair \(ph, pw\), got \(1, 2, 3\)",
        ),
        (
            lambda: conv2d(X, W1, stride=2, padding="same"),
            r"padding='same' needs stride=1, got stride=2",
        ),
        (lambda: conv2d(X, W1, impl="fft"), r"impl must be one of 'naive', 'im2col', got 'fft'"),
        (lambda: conv2d(np.full((1, 1, 4, 4), np.nan), W1), r"x contains NaN"),
        (
            lambda: conv2d_backward(np.ones((8, 4, 3, 3)), X, W1),
            r"conv2d_backward expected grad_output of shape \(8, 4, 26, 26\)",
        ),
        (
            lambda: conv_output_size(3, 5),
            r"kernel_size=5 spans 5 pixels but the padded size \(n=3 \+ 2\*padding=0\) "
            r"is only 3; use a smaller kernel_size",
        ),
        (lambda: conv_output_size(0, 3), r"n must be a positive integer \(>= 1\), got 0"),
        (lambda: conv_output_size(5, 0), r"kernel_size must be a positive integer \(>= 1\), got 0"),
        (lambda: pad2d(np.ones(3), 1), r"x must have at least 2 dimensions"),
        (lambda: pad2d(np.ones((3, 3)), "same"), r"pad2d needs numeric padding"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the Conv2d layer ---------------------------------------------------------------


def test_layer_forward_matches_functional_and_init():
    layer = Conv2d(3, 5, (3, 2), stride=2, padding=1, rng=0)
    assert layer.weight.data.shape == (5, 3, 3, 2) and layer.weight.data.dtype == np.float32
    assert layer.bias.data.shape == (5,) and layer.bias.data.dtype == np.float32
    fan_in = 3 * 3 * 2
    assert np.abs(layer.weight.data).max() <= np.sqrt(6 / fan_in)
    assert np.abs(layer.bias.data).max() <= 1 / np.sqrt(fan_in)
    x = np.random.default_rng(1).normal(size=(2, 3, 8, 7)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    expected = reference_conv(x, layer.weight.data, layer.bias.data, (2, 2), ((1, 1), (1, 1)))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_layer_he_init_statistics():
    # He uniform: variance 2 / fan_in, mean 0 (many weights, so the estimate is tight).
    layer = Conv2d(64, 64, 3, rng=1)
    fan_in = 64 * 9
    assert layer.weight.data.var() == pytest.approx(2 / fan_in, rel=0.05)
    assert abs(layer.weight.data.mean()) < 0.01


def test_layer_rng_reproducible_and_bias_false():
    a, b = Conv2d(2, 3, 3, rng=42), Conv2d(2, 3, 3, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, Conv2d(2, 3, 3, rng=43).weight.data)
    layer = Conv2d(2, 3, 3, bias=False, rng=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(Conv2d(2, 3, 3, rng=0).state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("impl", ["naive", "im2col"])
def test_layer_backward_accumulates_and_matches_finite_differences(impl):
    rng = np.random.default_rng(5)
    layer = Conv2d(2, 3, 3, stride=2, padding="full", impl=impl, rng=0)
    layer.weight.data = layer.weight.data.astype(np.float64)
    layer.bias.data = layer.bias.data.astype(np.float64)
    layer.zero_grad()
    x = rng.normal(size=(2, 2, 5, 4))
    r = rng.normal(size=layer(x).shape)

    def loss():
        return np.sum(layer(x) * r)

    expected_w = numerical_grad(loss, layer.weight.data)
    expected_b = numerical_grad(loss, layer.bias.data)
    expected_x = numerical_grad(loss, x)
    layer.weight.grad = np.zeros_like(layer.weight.data)
    layer.bias.grad = np.zeros_like(layer.bias.data)
    layer(x)
    gx = layer.backward(r)
    np.testing.assert_allclose(gx, expected_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.weight.grad, expected_w, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.bias.grad, expected_b, rtol=1e-6, atol=1e-7)
    layer.backward(r)  # a second backward adds the same gradient again
    np.testing.assert_allclose(layer.weight.grad, 2 * expected_w, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.bias.grad, 2 * expected_b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("impl", ["naive", "im2col"])
def test_layer_skips_input_gradient_when_not_needed(impl):
    layer = Conv2d(1, 2, 3, impl=impl, needs_input_grad=False, rng=0)
    assert repr(layer).endswith("needs_input_grad=False)")
    x = np.random.default_rng(0).normal(size=(2, 1, 5, 5)).astype(np.float32)
    g = np.ones_like(layer(x))
    assert layer.backward(g) is None
    _, gw, gb = conv2d_backward(g, x, layer.weight.data, layer.bias.data)
    np.testing.assert_allclose(layer.weight.grad, gw, rtol=1e-5, atol=1e-5)  # float32 sums
    np.testing.assert_allclose(layer.bias.grad, gb, rtol=1e-5, atol=1e-5)
    assert Conv2d(1, 2, 3, rng=0).needs_input_grad is True
    with pytest.raises(ValueError, match="needs_input_grad must be True or False, got 'no'"):
        Conv2d(1, 2, 3, needs_input_grad="no")


def test_layer_in_eval_mode_keeps_no_im2col_matrix_and_backward_still_works():
    rng = np.random.default_rng(3)
    layer = Conv2d(2, 3, 3, padding=1, rng=0)
    x, g = rng.normal(size=(4, 2, 6, 6)), rng.normal(size=(4, 3, 6, 6))
    train_y = layer(x)
    assert layer._cache[1] is not None  # training: backward reuses it
    eval_y = layer.eval()(x)
    assert layer._cache[1] is None  # eval: the largest array is not kept
    np.testing.assert_array_equal(eval_y, train_y)
    dx = layer.backward(g)  # rebuilds the matrix if asked anyway
    want_dx, want_dw, _ = conv2d_backward(
        g, x, layer.weight.data, layer.bias.data, 1, 1, impl="naive"
    )
    np.testing.assert_allclose(dx, want_dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, want_dw, rtol=1e-5, atol=1e-5)  # float32


def test_layer_dtype_follows_promotion():
    layer = Conv2d(1, 2, 3, rng=0)
    assert layer(np.ones((1, 1, 4, 4), dtype=np.float64)).dtype == np.float64
    assert layer(np.ones((1, 1, 4, 4), dtype=np.float32)).dtype == np.float32


def test_layer_errors_and_repr():
    layer = Conv2d(3, 8, 3, rng=0)
    with pytest.raises(RuntimeError, match="backward.* before forward"):
        layer.backward(np.ones((1, 8, 2, 2)))
    with pytest.raises(
        ValueError, match=r"Conv2d expected input with 3 channels, got 1 \(shape \(8, 1, 28, 28\)\)"
    ):
        layer(X)
    with pytest.raises(ValueError, match=r"x\[None\]"):
        layer(np.ones((3, 28, 28)))
    layer(np.ones((1, 3, 5, 5)))
    with pytest.raises(
        ValueError, match=r"Conv2d.backward expected grad_output of shape \(1, 8, 3, 3\)"
    ):
        layer.backward(np.ones((1, 8, 5, 5)))
    with pytest.raises(ValueError, match=r"in_channels must be a positive integer \(>= 1\), got 0"):
        Conv2d(0, 8, 3)
    with pytest.raises(ValueError, match=r"padding='same' needs stride=1"):
        Conv2d(1, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"impl must be one of"):
        Conv2d(1, 8, 3, impl="fast")
    assert (
        repr(Conv2d(1, 8, 3, padding=1))
        == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert repr(Conv2d(1, 8, 2, padding="same", dilation=2, bias=False, impl="naive")) == (
        "Conv2d(1, 8, kernel_size=(2, 2), stride=(1, 1), padding=same, dilation=(2, 2), "
        "bias=False, impl='naive')"
    )
    assert repr(Conv2d(1, 8, 3, padding=((0, 1), (1, 1)))).endswith("padding=((0, 1), (1, 1)))")


@pytest.mark.parametrize(
    "layer",
    [
        Conv2d(2, 3, 3, padding=1, rng=0),
        Conv2d(2, 2, (2, 3), stride=2, padding="full", dilation=(2, 1), rng=1),
        Conv2d(2, 3, 2, padding="same", bias=False, impl="naive", rng=2),
    ],
    ids=repr,
)
def test_gradcheck_conv2d(layer):
    gradcheck = pytest.importorskip("cnn_lib.gradcheck").gradcheck
    x = np.random.default_rng(6).normal(size=(2, 2, 6, 5))
    assert gradcheck(layer, x) < 1e-6
    assert layer.weight.data.dtype == np.float32  # gradcheck restored the parameters
