"""One naming grid: every naive/fast pair gives equal results, forward and backward.

Naive vs fast vs torch (when installed) for conv and pooling, in the
functional and the layer form, with overlapping windows, dilation, stride and
even kernels; and conv's backward against the correlation / full-convolution
view of chapter 10 (SciPy), an independent reference.
"""

import inspect

import numpy as np
import pytest
from scipy import signal

import cnn_lib as cl
from cnn_lib.functional import conv_im2col, conv_naive, pooling_fast, pooling_naive
from cnn_lib.functional.conv import conv2d, conv2d_backward
from cnn_lib.functional.padding import resolve_padding
from cnn_lib.functional.pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)

CONV_CASES = [
    # kernel, stride, padding, dilation
    ((3, 3), 1, 1, 1),
    ((2, 2), 1, "same", 1),  # even kernel
    ((4, 2), 2, 1, 1),  # even kernel, stride
    ((3, 2), (2, 1), (1, 0), (2, 1)),  # dilation and stride
    ((3, 3), 1, "full", 2),
    ((1, 1), 3, 0, 1),  # stride larger than the kernel
]


def _problem(rng, kernel, size=(9, 8)):
    x = rng.normal(size=(2, 3, *size))
    w = rng.normal(size=(4, 3, *kernel))
    return x, w, rng.normal(size=4)


def test_grid_names_share_one_signature():
    pairs = [
        (conv_naive.conv2d_naive, conv_im2col.conv2d_im2col),
        (conv_naive.conv2d_backward_naive, conv_im2col.conv2d_backward_im2col),
        (pooling_naive.max_pool2d_naive, pooling_fast.max_pool2d_fast),
        (pooling_naive.max_pool2d_backward_naive, pooling_fast.max_pool2d_backward_fast),
        (pooling_naive.avg_pool2d_naive, pooling_fast.avg_pool2d_fast),
        (pooling_naive.avg_pool2d_backward_naive, pooling_fast.avg_pool2d_backward_fast),
    ]
    for naive, fast in pairs:
        naive_args = list(inspect.signature(naive).parameters)
        # The fast twin takes the same arguments first, then optional reuse of the forward's work.
        assert list(inspect.signature(fast).parameters)[: len(naive_args)] == naive_args
    for public in (conv2d, conv2d_backward, max_pool2d, avg_pool2d, max_pool2d_backward):
        assert "impl" in inspect.signature(public).parameters
    for layer in (cl.Conv2d, cl.MaxPool2d, cl.AvgPool2d):
        assert "impl" in inspect.signature(layer).parameters


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONV_CASES)
def test_conv_naive_equals_im2col_functional_and_layer(kernel, stride, padding, dilation):
    rng = np.random.default_rng(0)
    x, w, b = _problem(rng, kernel)
    args = (stride, padding, dilation)
    y = {impl: conv2d(x, w, b, *args, impl=impl) for impl in ("naive", "im2col")}
    np.testing.assert_allclose(y["im2col"], y["naive"], rtol=1e-10, atol=1e-12)
    g = rng.normal(size=y["naive"].shape)
    grads = {impl: conv2d_backward(g, x, w, b, *args, impl=impl) for impl in ("naive", "im2col")}
    for fast, naive in zip(grads["im2col"], grads["naive"], strict=True):
        np.testing.assert_allclose(fast, naive, rtol=1e-10, atol=1e-12)
    # The layer calls through the same grid.
    for impl in ("naive", "im2col"):
        layer = cl.Conv2d(3, 4, kernel, stride, padding, dilation, impl=impl, rng=0)
        layer.weight, layer.bias = cl.Parameter(w.copy()), cl.Parameter(b.copy())
        np.testing.assert_allclose(layer(x), y["naive"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.backward(g), grads["naive"][0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.weight.grad, grads["naive"][1], rtol=1e-10, atol=1e-12)


def _dilate(a, factor):
    """Insert ``factor - 1`` zeros between entries of the last two axes."""
    out = np.zeros(
        (*a.shape[:-2], *((s - 1) * f + 1 for s, f in zip(a.shape[-2:], factor, strict=True)))
    )
    out[..., :: factor[0], :: factor[1]] = a
    return out


def correlation_view_backward(g, x, w, stride, pads, dilation):
    """Chapter 10's derivation: dw is a correlation, dx a full convolution (SciPy).

    Dilating ``g`` by the stride lines each output up with the pixel its window
    starts at; dilating ``w`` by the dilation gives the kernel the forward slid.
    """
    x_pad = np.pad(x, ((0, 0), (0, 0), *pads))
    g_s, w_d = _dilate(g, stride), _dilate(w, dilation)
    dw, dx_pad = np.zeros(w.shape), np.zeros(x_pad.shape)
    full_h, full_w = g_s.shape[2] + w_d.shape[2] - 1, g_s.shape[3] + w_d.shape[3] - 1
    span = [d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:], strict=True)]
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            for c in range(x.shape[1]):
                corr = signal.correlate2d(x_pad[n, c], g_s[n, o], mode="valid")
                dw[o, c] += corr[: span[0] : dilation[0], : span[1] : dilation[1]]
                full = signal.convolve2d(g_s[n, o], w_d[o, c], mode="full")
                dx_pad[n, c, :full_h, :full_w] += full
    (top, _), (left, _) = pads
    return dx_pad[:, :, top : top + x.shape[2], left : left + x.shape[3]], dw


@pytest.mark.parametrize("impl", ["naive", "im2col"])
@pytest.mark.parametrize(
    ("kernel", "stride", "pads", "dilation"),
    [
        ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
        ((2, 3), (2, 1), ((0, 1), (2, 2)), (1, 2)),
        ((3, 2), (2, 3), ((0, 0), (0, 0)), (2, 1)),
    ],
)
def test_conv_backward_matches_correlation_view(kernel, stride, pads, dilation, impl):
    rng = np.random.default_rng(1)
    x, w, b = _problem(rng, kernel, (10, 9))
    y = conv2d(x, w, b, stride, pads, dilation, impl=impl)
    g = rng.normal(size=y.shape)
    dx, dw, db = conv2d_backward(g, x, w, b, stride, pads, dilation, impl=impl)
    ref_dx, ref_dw = correlation_view_backward(g, x, w, stride, pads, dilation)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, ref_dw, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, g.sum(axis=(0, 2, 3)), rtol=1e-12)


POOL_CASES = [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2)), (2, 3)]


@pytest.mark.parametrize(("kernel", "stride"), POOL_CASES)
def test_pool_naive_equals_fast_functional_and_layer(kernel, stride):
    rng = np.random.default_rng(2)
    x = np.round(rng.normal(size=(2, 3, 8, 9)), 1)  # rounded: ties happen
    for forward, backward, layer_cls, needs in [
        (max_pool2d, max_pool2d_backward, cl.MaxPool2d, x),
        (avg_pool2d, avg_pool2d_backward, cl.AvgPool2d, x.shape),
    ]:
        y = {impl: forward(x, kernel, stride, impl=impl) for impl in ("naive", "fast")}
        np.testing.assert_allclose(y["fast"], y["naive"], rtol=1e-12)
        g = rng.normal(size=y["naive"].shape)
        dx = {impl: backward(g, needs, kernel, stride, impl=impl) for impl in ("naive", "fast")}
        np.testing.assert_allclose(dx["fast"], dx["naive"], rtol=1e-12, atol=1e-12)
        for impl in ("naive", "fast"):
            layer = layer_cls(kernel, stride, impl=impl)
            np.testing.assert_allclose(layer(x), y["naive"], rtol=1e-12)
            np.testing.assert_allclose(layer.backward(g), dx["naive"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONV_CASES)
def test_conv_grid_matches_torch(kernel, stride, padding, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = _problem(rng, kernel)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    # torch has no "full": pass its explicit size, dilation * (k - 1) per side.
    pads = resolve_padding(padding, kernel, stride, dilation) if padding == "full" else padding
    pads = (pads[0][0], pads[1][0]) if padding == "full" else pads
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride, pads, dilation)
    g = rng.normal(size=tuple(ty.shape))
    ty.backward(torch.from_numpy(g))
    for impl in ("naive", "im2col"):
        y = conv2d(x, w, b, stride, padding, dilation, impl=impl)
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
        grads = conv2d_backward(g, x, w, b, stride, padding, dilation, impl=impl)
        for ours, theirs in zip(grads, (tx, tw, tb), strict=True):
            np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("kernel", "stride"), POOL_CASES)
def test_pool_grid_matches_torch(kernel, stride):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).normal(size=(2, 3, 8, 9))  # continuous: no ties
    for ours, backward, theirs, needs in [
        (max_pool2d, max_pool2d_backward, torch.nn.functional.max_pool2d, x),
        (avg_pool2d, avg_pool2d_backward, torch.nn.functional.avg_pool2d, x.shape),
    ]:
        tx = torch.tensor(x, requires_grad=True)
        ty = theirs(tx, kernel, stride)
        g = np.random.default_rng(5).normal(size=tuple(ty.shape))
        ty.backward(torch.from_numpy(g))
        for impl in ("naive", "fast"):
            np.testing.assert_allclose(ours(x, kernel, stride, impl=impl), ty.detach().numpy())
            dx = backward(g, needs, kernel, stride, impl=impl)
            np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
