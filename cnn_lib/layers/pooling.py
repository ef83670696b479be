"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d`` (no parameters)."""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_grad_output, pair
from cnn_lib.functional.pooling import (
    _check_pool,
    _max_pool2d,
    _max_pool2d_backward,
    avg_pool2d,
    avg_pool2d_backward,
)
from cnn_lib.layers.module import Module


class _Pool2d(Module):
    """Shared constructor and ``repr`` of the pooling layers."""

    def __init__(self, kernel_size, stride=None):
        pair(kernel_size, "kernel_size")
        if stride is not None:
            pair(stride, "stride")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self._cache = None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """Max over each window of every channel, like ``torch.nn.MaxPool2d``.

    Parameters
    ----------
    kernel_size : int or (kH, kW)
    stride : int or (sH, sW), optional
        Defaults to ``kernel_size``; smaller values give overlapping windows.

    Notes
    -----
    Backward sends each output gradient to the input pixel that was the
    maximum of its window (the first one in reading order on ties).

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H_out, W_out)``, ``H_out = floor((H - kH) / sH) + 1``

    Examples
    --------
    >>> MaxPool2d(2)(np.zeros((1, 3, 28, 28))).shape
    (1, 3, 14, 14)
    """

    def forward(self, x):
        x, kernel, stride, out_hw = _check_pool(x, self.kernel_size, self.stride)
        y = _max_pool2d(x, kernel, stride, out_hw)
        self._cache = (x, y, kernel, stride)
        return y

    def backward(self, grad_output):
        x, y, kernel, stride = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, y.shape, "MaxPool2d.backward")
        return _max_pool2d_backward(grad_output, x, y, kernel, stride)


class AvgPool2d(_Pool2d):
    """Mean over each window of every channel, like ``torch.nn.AvgPool2d``.

    Parameters and shapes as in :class:`MaxPool2d`. Backward spreads each
    output gradient evenly over the ``kH * kW`` pixels of its window.

    Examples
    --------
    >>> AvgPool2d(2)(np.ones((1, 1, 4, 4)))[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """

    def forward(self, x):
        y = avg_pool2d(x, self.kernel_size, self.stride)
        self._cache = (np.shape(x), y.shape)
        return y

    def backward(self, grad_output):
        input_shape, output_shape = self._saved(self._cache)
        check_grad_output(grad_output, output_shape, "AvgPool2d.backward")
        return avg_pool2d_backward(grad_output, input_shape, self.kernel_size, self.stride)
