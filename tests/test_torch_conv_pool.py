"""conv2d and pooling against PyTorch (skipped when torch is not installed)."""

import warnings

import numpy as np
import pytest

from cnn_lib.functional.conv import conv2d, conv2d_backward
from cnn_lib.functional.pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.pooling import AvgPool2d, MaxPool2d

torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_forward_backward(fn, grad, *arrays):
    """Run fn on float64 tensors; return (output, gradients of sum(output * grad))."""
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(torch.tensor(grad))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("impl", ["naive", "im2col"])
@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation"),
    [
        (3, 1, "same", 1),
        (4, 1, "same", 1),  # even kernel: the extra padding goes bottom/right
        ((2, 3), 1, "same", 2),
        (3, 1, "valid", 1),
        (3, 2, 1, 1),
        ((3, 2), (2, 3), (1, 2), (2, 1)),
        (5, 3, 2, 2),
        (1, 2, 0, 1),
    ],
)
def test_conv2d_matches_torch(kernel, stride, padding, dilation, impl):
    rng = np.random.default_rng(0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.normal(size=(2, 3, 11, 10))
    w = rng.normal(size=(4, 3, kh, kw))
    b = rng.normal(size=4)
    y = conv2d(x, w, b, stride, padding, dilation, impl)
    g = rng.normal(size=y.shape)
    with warnings.catch_warnings():
        # torch warns that "same" with an even kernel needs an extra padded copy.
        warnings.simplefilter("ignore", UserWarning)
        y_t, grads_t = torch_forward_backward(
            lambda *t: F.conv2d(*t, stride=stride, padding=padding, dilation=dilation), g, x, w, b
        )
    np.testing.assert_allclose(y, y_t, rtol=1e-10, atol=1e-10)
    grads = conv2d_backward(g, x, w, b, stride, padding, dilation, impl)
    for got, expected in zip(grads, grads_t, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_conv2d_layer_matches_torch_layer_float32():
    layer = Conv2d(3, 8, 3, padding=1, rng=0)
    ref = torch.nn.Conv2d(3, 8, 3, padding=1)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.data))
        ref.bias.copy_(torch.tensor(layer.bias.data))
    x = np.random.default_rng(1).normal(size=(4, 3, 12, 12)).astype(np.float32)
    y = layer(x)
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(2).normal(size=y.shape).astype(np.float32)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.weight.grad, ref.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(layer.bias.grad, ref.bias.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    ("kernel", "stride"), [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2)), (2, 1)]
)
def test_pooling_matches_torch(kernel, stride):
    rng = np.random.default_rng(3)
    # Coarse values make ties frequent: torch sends the gradient to the first max.
    x = np.round(rng.normal(size=(2, 3, 9, 8)), 1)
    for ours, ours_backward, theirs in [
        (max_pool2d, lambda g: max_pool2d_backward(g, x, kernel, stride), F.max_pool2d),
        (avg_pool2d, lambda g: avg_pool2d_backward(g, x.shape, kernel, stride), F.avg_pool2d),
    ]:
        y = ours(x, kernel, stride)
        g = rng.normal(size=y.shape)
        y_t, (gx_t,) = torch_forward_backward(lambda t: theirs(t, kernel, stride), g, x)  # noqa: B023
        np.testing.assert_allclose(y, y_t, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours_backward(g), gx_t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs"), [(MaxPool2d, torch.nn.MaxPool2d), (AvgPool2d, torch.nn.AvgPool2d)]
)
def test_pool_layers_match_torch_on_relu_output(ours, theirs):
    # After a ReLU many windows are all zeros: the tie rule matters in practice.
    x = np.maximum(np.random.default_rng(4).normal(size=(4, 8, 28, 28)), 0).astype(np.float32)
    layer, ref = ours(2), theirs(2)
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)
    np.testing.assert_allclose(layer(x), yt.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(5).normal(size=yt.shape).astype(np.float32)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=1e-6, atol=1e-7)
