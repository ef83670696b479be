"""Max/avg pooling against hand-worked examples, a brute-force reference and finite differences."""

import numpy as np
import pytest
from finite_differences import numerical_grad

from cnn_lib.functional.pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from cnn_lib.layers.pooling import AvgPool2d, MaxPool2d


def brute_force_pool(x, k, s, op):
    """Pure-Python reference: every window listed element by element."""
    n_, c_, h, w = x.shape
    out_h, out_w = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    y = np.zeros((n_, c_, out_h, out_w))
    grad_routes = {}  # (n, c, i, j) -> input position of the first maximum
    for n in range(n_):
        for c in range(c_):
            for i in range(out_h):
                for j in range(out_w):
                    cells = [(i * s[0] + u, j * s[1] + v) for u in range(k[0]) for v in range(k[1])]
                    values = [float(x[n, c, p, q]) for p, q in cells]
                    if op == "max":
                        best = 0
                        for m, value in enumerate(values):
                            if value > values[best]:  # strict: ties keep the first
                                best = m
                        y[n, c, i, j] = values[best]
                        grad_routes[n, c, i, j] = cells[best]
                    else:
                        y[n, c, i, j] = sum(values) / len(values)
    return y, grad_routes


def brute_force_max_backward(grad_output, x, k, s):
    _, routes = brute_force_pool(x, k, s, "max")
    grad = np.zeros(x.shape)
    for (n, c, i, j), (p, q) in routes.items():
        grad[n, c, p, q] += grad_output[n, c, i, j]
    return grad


def brute_force_avg_backward(grad_output, shape, k, s):
    grad = np.zeros(shape)
    for n, c, i, j in np.ndindex(grad_output.shape):
        grad[n, c, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1]] += grad_output[
            n, c, i, j
        ] / (k[0] * k[1])
    return grad


def as_pair(v):
    return (v, v) if isinstance(v, int) else v


CASES = [
    # (kernel, stride, input H x W)
    (2, None, (4, 6)),
    (2, None, (5, 7)),  # leftover rows/columns are ignored
    (3, 1, (5, 5)),  # overlapping
    (3, 2, (7, 6)),  # overlapping
    ((2, 3), (1, 2), (5, 8)),
    ((1, 1), None, (3, 3)),
    (3, None, (3, 3)),  # one window = global pooling
    ((3, 2), (3, 1), (7, 4)),
    (2, 3, (8, 7)),  # stride > kernel: gaps between windows get no gradient
]


@pytest.mark.parametrize("impl", ["naive", "fast"])
@pytest.mark.parametrize(("kernel", "stride", "size"), CASES)
def test_forward_and_backward_match_brute_force(kernel, stride, size, impl):
    # atol: Python >= 3.12's sum() of floats is compensated, so the reference can
    # round a zero mean to 1e-17 (and the other way round).
    rng = np.random.default_rng(0)
    # Rounded values make ties common, so the tie rule is exercised too.
    x = np.round(rng.normal(size=(2, 3, *size)), 1)
    k = as_pair(kernel)
    s = k if stride is None else as_pair(stride)
    y_max, _ = brute_force_pool(x, k, s, "max")
    y_avg, _ = brute_force_pool(x, k, s, "avg")
    np.testing.assert_array_equal(max_pool2d(x, kernel, stride, impl=impl), y_max)
    np.testing.assert_allclose(
        avg_pool2d(x, kernel, stride, impl=impl), y_avg, rtol=1e-12, atol=1e-12
    )

    g = rng.normal(size=y_max.shape)
    expected = brute_force_max_backward(g, x, k, s)
    np.testing.assert_allclose(
        max_pool2d_backward(g, x, kernel, stride, impl=impl), expected, atol=1e-12
    )
    np.testing.assert_allclose(
        avg_pool2d_backward(g, x.shape, kernel, stride, impl=impl),
        brute_force_avg_backward(g, x.shape, k, s),
        atol=1e-12,
    )
    # The layers run the same implementation, forward and backward.
    for layer, y, grad in [
        (MaxPool2d(kernel, stride, impl=impl), y_max, expected),
        (AvgPool2d(kernel, stride, impl=impl), y_avg, brute_force_avg_backward(g, x.shape, k, s)),
    ]:
        np.testing.assert_allclose(layer(x), y, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.backward(g), grad, atol=1e-12)


def test_hand_worked_examples():
    x = np.array(
        [[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 1.0], [0.0, 0.0, 5.0, 6.0], [1.0, 2.0, 7.0, 8.0]]
    )
    x = x[None, None]
    np.testing.assert_array_equal(max_pool2d(x, 2)[0, 0], [[4.0, 2.0], [2.0, 8.0]])
    np.testing.assert_array_equal(avg_pool2d(x, 2)[0, 0], [[2.5, 1.0], [0.75, 6.5]])
    # Overlapping 3x3 windows, stride 1: the maxima of the four 3x3 blocks.
    np.testing.assert_array_equal(max_pool2d(x, 3, 1)[0, 0], [[5.0, 6.0], [7.0, 8.0]])
    # Max backward: the gradient of each window goes to where its max was.
    g = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])
    expected = np.zeros((4, 4))
    expected[1, 0], expected[0, 2], expected[3, 1], expected[3, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(max_pool2d_backward(g, x, 2)[0, 0], expected)
    # Overlapping avg backward: each pixel collects 1/4 per window containing it.
    gx = avg_pool2d_backward(np.ones((1, 1, 2, 2)), (1, 1, 3, 3), 2, 1)
    np.testing.assert_array_equal(gx[0, 0], np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4)


def test_max_backward_ties_go_to_first_max():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, :, 2:] = [[1.0, 5.0], [5.0, 5.0]]
    gx = max_pool2d_backward(np.array([[[[1.0, 2.0]]]]), x, 2)
    # All-zero window: the top-left pixel; second window: the first 5 in reading order.
    np.testing.assert_array_equal(gx[0, 0], [[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
    # Overlapping windows that share the same maximum both send their gradient to it.
    x = np.array([[[[0.0, 9.0, 0.0]]]])
    np.testing.assert_array_equal(
        max_pool2d_backward(np.array([[[[1.0, 2.0]]]]), x, (1, 2), 1)[0, 0], [[0.0, 3.0, 0.0]]
    )


@pytest.mark.parametrize("impl", ["naive", "fast"])
@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (2, 1))])
def test_gradients_match_finite_differences(kernel, stride, impl):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2, 6, 7))  # continuous values: no ties, max is differentiable
    r = rng.normal(size=max_pool2d(x, kernel, stride).shape)
    gx = max_pool2d_backward(r, x, kernel, stride, impl=impl)
    np.testing.assert_allclose(
        gx, numerical_grad(lambda: np.sum(max_pool2d(x, kernel, stride) * r), x), atol=1e-7
    )
    gx = avg_pool2d_backward(r, x.shape, kernel, stride, impl=impl)
    np.testing.assert_allclose(
        gx, numerical_grad(lambda: np.sum(avg_pool2d(x, kernel, stride) * r), x), atol=1e-7
    )


def test_float32_stays_float32():
    x = np.ones((1, 2, 4, 4), dtype=np.float32)
    g = np.ones((1, 2, 2, 2), dtype=np.float32)
    assert max_pool2d(x, 2).dtype == avg_pool2d(x, 2).dtype == np.float32
    assert max_pool2d_backward(g, x, 2).dtype == np.float32
    assert avg_pool2d_backward(g, x.shape, 2).dtype == np.float32


X = np.ones((2, 3, 4, 4))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: max_pool2d(X[0], 2),
            r"x must be 4-D with layout \(N, C, H, W\), got 3-D .*x\[None\]",
        ),
        (lambda: avg_pool2d(X[0], 2), r"x\[None\]"),
        (
            lambda: max_pool2d(X, 5),
            r"kernel_size=5 spans 5 pixels but the input height is only 4; "
            r"use a smaller kernel_size",
        ),
        (
            lambda: avg_pool2d(X, (2, 6)),
            r"kernel_size=6 spans 6 pixels but the input width is only 4",
        ),
        (lambda: max_pool2d(X, 0), r"kernel_size must be a positive integer \(>= 1\), got 0"),
        (lambda: max_pool2d(X, 2, stride=0), r"stride must be a positive integer \(>= 1\), got 0"),
        (
            lambda: avg_pool2d(X, (2, 2, 2)),
            r"kernel_size must be an int or a pair \(h, w\), got \(2, 2, 2\)",
        ),
        (lambda: max_pool2d(np.full((1, 1, 2, 2), np.nan), 2), r"x contains NaN"),
        (
            lambda: max_pool2d_backward(np.ones((2, 3, 3, 3)), X, 2),
            r"max_pool2d_backward expected grad_output of shape \(2, 3, 2, 2\)",
        ),
        (
            lambda: avg_pool2d_backward(np.ones((2, 3, 2, 2)), (3, 4, 4), 2),
            r"input_shape must be 4-D",
        ),
        (
            lambda: avg_pool2d_backward(np.ones((2, 3, 1, 1)), X.shape, 2),
            r"avg_pool2d_backward expected grad_output of shape \(2, 3, 2, 2\)",
        ),
        (lambda: MaxPool2d(0), r"kernel_size must be a positive integer"),
        (lambda: AvgPool2d(2, stride=-1), r"stride must be a positive integer \(>= 1\), got -1"),
        (
            lambda: max_pool2d(X, 2, impl="im2col"),
            r"impl must be one of 'naive', 'fast', got 'im2col'",
        ),
        (lambda: MaxPool2d(2, impl="loops"), r"impl must be one of 'naive', 'fast', got 'loops'"),
        (lambda: avg_pool2d_backward(np.ones((2, 3, 2, 2)), X.shape, 2, impl=""), r"impl must be"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(("cls", "op"), [(MaxPool2d, "max"), (AvgPool2d, "avg")])
def test_layers(cls, op):
    rng = np.random.default_rng(2)
    x = np.round(rng.normal(size=(2, 3, 7, 6)), 1)
    layer = cls(3, stride=2)
    assert repr(layer) == f"{cls.__name__}(kernel_size=3, stride=2)"
    assert repr(cls(2)) == f"{cls.__name__}(kernel_size=2, stride=2)"
    assert repr(cls(2, impl="naive")) == f"{cls.__name__}(kernel_size=2, stride=2, impl='naive')"
    assert layer.parameters() == []
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 3, 3, 2)))
    y = layer(x)
    np.testing.assert_allclose(
        y, brute_force_pool(x, (3, 3), (2, 2), op)[0], rtol=1e-12, atol=1e-12
    )
    g = rng.normal(size=y.shape)
    if op == "max":
        expected = brute_force_max_backward(g, x, (3, 3), (2, 2))
    else:
        expected = brute_force_avg_backward(g, x.shape, (3, 3), (2, 2))
    np.testing.assert_allclose(layer.backward(g), expected, atol=1e-12)
    with pytest.raises(ValueError, match=rf"{cls.__name__}.backward expected grad_output"):
        layer.backward(np.ones((2, 3, 2, 2)))
    assert layer(x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "layer", [MaxPool2d(2), MaxPool2d(3, 1), AvgPool2d(2), AvgPool2d((2, 3), (1, 2))], ids=repr
)
def test_gradcheck_pooling(layer):
    gradcheck = pytest.importorskip("cnn_lib.gradcheck").gradcheck
    x = np.random.default_rng(6).normal(size=(2, 3, 6, 7))  # continuous: no ties
    assert gradcheck(layer, x) < 1e-6
