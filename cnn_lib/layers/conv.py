"""The convolution layer: ``Conv2d`` holds the kernels and calls ``conv2d``."""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_choice, check_grad_output, check_positive_int, pair
from cnn_lib.functional.conv import (
    IMPLS,
    check_conv_input,
    conv2d_backward_cached,
    conv2d_forward,
)
from cnn_lib.functional.padding import resolve_padding
from cnn_lib.layers.module import Module, Parameter


class Conv2d(Module):
    """2-D convolution layer with learnable kernels, like ``torch.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output (= number of kernels).
    kernel_size : int or (kH, kW)
    stride, dilation : int or (h, w), default 1
    padding : int, (ph, pw), "valid", "same" or "full", default 0
    bias : bool, default True
        Learn one additive bias per output channel (``self.bias`` is None otherwise).
    impl : {"im2col", "naive"}
        Implementation of :func:`cnn_lib.functional.conv2d` to run.
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed makes them reproducible).

    Attributes
    ----------
    weight : Parameter, shape ``(out_channels, in_channels, kH, kW)``
    bias : Parameter, shape ``(out_channels,)``, or None
    needs_input_grad : bool
        Set to False on the first layer of a network: backward then skips the
        gradient with respect to the input (nobody uses it) and returns None.

    Notes
    -----
    Weights use He (Kaiming) uniform initialisation, ``U(-b, b)`` with
    ``b = sqrt(6 / fan_in)`` and ``fan_in = in_channels * kH * kW``: the
    variance ``2 / fan_in`` keeps activations from shrinking layer after layer
    in ReLU networks. The bias is ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` as in
    PyTorch. Parameters are float32.

    Shapes
    ------
    ``x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)``

    Examples
    --------
    >>> conv = Conv2d(1, 8, 3, padding=1, rng=0)
    >>> conv(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape
    (2, 8, 28, 28)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        impl="im2col",
        rng=None,
    ):
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        self._pads = resolve_padding(padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding if isinstance(padding, str) else _symmetric_or_explicit(self._pads)
        self.impl = check_choice(impl, IMPLS, "impl")
        self.needs_input_grad = True

        rng = np.random.default_rng(rng)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        bound = np.sqrt(6.0 / fan_in)
        self.weight = Parameter(rng.uniform(-bound, bound, shape).astype(np.float32))
        self.bias = None
        if bias:
            bound = 1.0 / np.sqrt(fan_in)
            self.bias = Parameter(rng.uniform(-bound, bound, self.out_channels).astype(np.float32))
        self._cache = None
        self._out_shape = None

    def forward(self, x):
        x, self._out_shape = check_conv_input(
            x,
            self.in_channels,
            self.weight.shape,
            self.stride,
            self._pads,
            self.dilation,
            "Conv2d",
        )
        bias = None if self.bias is None else self.bias.data
        y, self._cache = conv2d_forward(
            x, self.weight.data, bias, self.stride, self._pads, self.dilation, self.impl
        )
        return y

    def backward(self, grad_output):
        cache = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, self._out_shape, "Conv2d.backward")
        grad_x, grad_weight, grad_bias = conv2d_backward_cached(
            grad_output, cache, self.needs_input_grad
        )
        self.weight.grad += grad_weight
        if self.bias is not None:
            self.bias.grad += grad_bias
        return grad_x

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self._pads != ((0, 0), (0, 0)) or isinstance(self.padding, str):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        if self.impl != "im2col":
            text += f", impl={self.impl!r}"
        return text


def _symmetric_or_explicit(pads):
    """``(ph, pw)`` when each axis is padded equally on both sides, else the full spec."""
    (top, bottom), (left, right) = pads
    return (top, left) if (top, left) == (bottom, right) else pads
