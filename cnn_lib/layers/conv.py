r"""The convolution layer: ``Conv2d`` holds the kernels and calls ``conv2d``.

Taught in chapter 5, Channels and filters (forward) and chapter 10,
Backpropagation through a CNN (backward).
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import (
    check_choice,
    check_finite,
    check_grad_output,
    check_positive_int,
    check_rng,
    pair,
    uniform_float32,
)
from cnn_lib.functional.conv import IMPLS, check_conv_input
from cnn_lib.functional.conv_im2col import conv2d_backward_im2col, conv2d_im2col
from cnn_lib.functional.conv_naive import conv2d_backward_naive, conv2d_naive
from cnn_lib.functional.padding import resolve_padding
from cnn_lib.layers.module import Module, Parameter


class Conv2d(Module):
    r"""2-D convolution layer with learnable kernels, like ``torch.nn.Conv2d``.

    For sample ``n``, output channel ``o`` and output position ``(i, j)``,
    with stride ``s``, dilation ``d`` and the input ``x_pad`` padded by ``p``:

    .. math::

        y[n, o, i, j] = b[o] + \sum_{c=0}^{C_\text{in}-1} \sum_{u=0}^{k_H-1}
        \sum_{v=0}^{k_W-1} w[o, c, u, v] \, x_\text{pad}[n, c, s_H i + d_H u, s_W j + d_W v]

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
        Implementation of :func:`cnn_lib.functional.conv2d` to run, forward and backward.
    needs_input_grad : bool, default True
        Set False for the first layer of a network: nobody reads the gradient
        with respect to the data, so backward skips it (its most expensive
        product) and returns None, as PyTorch does for an input that does not
        require a gradient.
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed makes them reproducible).

    Attributes
    ----------
    weight : Parameter, shape ``(out_channels, in_channels, kH, kW)``
    bias : Parameter, shape ``(out_channels,)``, or None

    Notes
    -----
    Weights use He (Kaiming) uniform initialisation, ``U(-b, b)`` with
    ``b = sqrt(6 / fan_in)`` and ``fan_in = in_channels * kH * kW``: the
    variance ``2 / fan_in`` keeps activations from shrinking layer after layer
    in ReLU networks. The bias is ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` as in
    PyTorch. Parameters are float32, drawn directly in float32.

    Shapes
    ------
    ``x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)``, where

    .. math::

        H_\text{out} = \left\lfloor \frac{H + 2 p_H - d_H (k_H - 1) - 1}{s_H} \right\rfloor + 1,
        \qquad
        W_\text{out} = \left\lfloor \frac{W + 2 p_W - d_W (k_W - 1) - 1}{s_W} \right\rfloor + 1

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
        needs_input_grad=True,
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
        if not isinstance(needs_input_grad, (bool, np.bool_)):
            raise ValueError(f"needs_input_grad must be True or False, got {needs_input_grad!r}")
        self.needs_input_grad = bool(needs_input_grad)

        rng = check_rng(rng)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(uniform_float32(rng, np.sqrt(6.0 / fan_in), shape))
        self.bias = None
        if bias:
            self.bias = Parameter(uniform_float32(rng, 1 / np.sqrt(fan_in), self.out_channels))
        self._cache = None

    def forward(self, x):
        weight, bias = self._checked_parameters()
        geometry = (self.stride, self._pads, self.dilation)
        x, out_shape = check_conv_input(x, weight.shape, *geometry, self.impl, "Conv2d")
        cols = None
        if self.impl == "naive":
            y = conv2d_naive(x, weight, bias, *geometry)
        elif self.training:  # keep the im2col matrix: backward reuses it
            y, cols = conv2d_im2col(x, weight, bias, *geometry, return_cols=True)
        else:  # eval mode needs no backward: keep no matrix, unfold in small chunks
            y = conv2d_im2col(x, weight, bias, *geometry)
        self._cache = (x, cols, out_shape)
        return y

    def backward(self, grad_output):
        x, cols, out_shape = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, out_shape, "Conv2d.backward")
        args = (self.weight.data, None if self.bias is None else self.bias.data)
        args += (self.stride, self._pads, self.dilation)
        if self.impl == "naive":
            dx, dw, db = conv2d_backward_naive(grad_output, x, *args)
        else:
            dx, dw, db = conv2d_backward_im2col(
                grad_output, x, *args, cols=cols, needs_input_grad=self.needs_input_grad
            )
        self.weight.grad += dw
        if self.bias is not None:
            self.bias.grad += db
        return dx if self.needs_input_grad else None

    def _checked_parameters(self):
        """The weight and bias arrays, refused if training made them NaN or infinite."""
        check_finite(self.weight.data, "Conv2d.weight")
        if self.bias is None:
            return self.weight.data, None
        check_finite(self.bias.data, "Conv2d.bias")
        return self.weight.data, self.bias.data

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
        if not self.needs_input_grad:
            text += ", needs_input_grad=False"
        return text


def _symmetric_or_explicit(pads):
    """``(ph, pw)`` when each axis is padded equally on both sides, else the full spec."""
    (top, bottom), (left, right) = pads
    return (top, left) if (top, left) == (bottom, right) else pads
