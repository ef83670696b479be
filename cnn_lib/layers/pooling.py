r"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d`` (no parameters).

Taught in chapter 6, Pooling (forward) and chapter 10, Backpropagation
through a CNN (backward). Both call the functions of
:mod:`cnn_lib.functional.pooling` with the same ``impl`` grid.
"""

from __future__ import annotations

from cnn_lib._validation import check_choice, check_grad_output, pair
from cnn_lib.functional.pooling import (
    AVG_BACKWARD,
    AVG_FORWARD,
    IMPLS,
    MAX_BACKWARD,
    MAX_FORWARD,
    check_pool_input,
)
from cnn_lib.functional.pooling_fast import max_pool2d_backward_fast
from cnn_lib.layers.module import Module


class _Pool2d(Module):
    """Shared constructor and ``repr`` of the pooling layers."""

    def __init__(self, kernel_size, stride=None, impl="fast"):
        pair(kernel_size, "kernel_size")
        if stride is not None:
            pair(stride, "stride")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.impl = check_choice(impl, IMPLS, "impl")
        self._cache = None

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}, stride={self.stride}"
        return text if self.impl == "fast" else text + f", impl={self.impl!r}"


class MaxPool2d(_Pool2d):
    r"""Max over each window of every channel, like ``torch.nn.MaxPool2d``.

    .. math::

        y[n, c, i, j] = \max_{0 \le u < k_H,\ 0 \le v < k_W} x[n, c, s_H i + u, s_W j + v]

    Parameters
    ----------
    kernel_size : int or (kH, kW)
    stride : int or (sH, sW), optional
        Defaults to ``kernel_size``; smaller values give overlapping windows.
    impl : {"fast", "naive"}
        Implementation of :func:`cnn_lib.functional.max_pool2d` to run, forward and backward.

    Notes
    -----
    Backward sends each output gradient to the input pixel that was the
    maximum of its window (the first one in reading order on ties).

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H_out, W_out)``, with
    ``H_out = floor((H - kH) / sH) + 1`` and ``W_out = floor((W - kW) / sW) + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool2d(2)(np.zeros((1, 3, 28, 28))).shape
    (1, 3, 14, 14)
    """

    def forward(self, x):
        x, _ = check_pool_input(x, self.kernel_size, self.stride, self.impl)
        y = MAX_FORWARD[self.impl](x, self.kernel_size, self.stride)
        self._cache = (x, y)
        return y

    def backward(self, grad_output):
        x, y = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, y.shape, "MaxPool2d.backward")
        if self.impl == "fast":  # reuse the forward output instead of recomputing it
            return max_pool2d_backward_fast(grad_output, x, self.kernel_size, self.stride, y)
        return MAX_BACKWARD[self.impl](grad_output, x, self.kernel_size, self.stride)


class AvgPool2d(_Pool2d):
    r"""Mean over each window of every channel, like ``torch.nn.AvgPool2d``.

    .. math::

        y[n, c, i, j] = \frac{1}{k_H k_W} \sum_{u=0}^{k_H-1} \sum_{v=0}^{k_W-1}
        x[n, c, s_H i + u, s_W j + v]

    Parameters and shapes as in :class:`MaxPool2d`. Backward spreads each
    output gradient evenly over the ``kH * kW`` pixels of its window.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool2d(2)(np.ones((1, 1, 4, 4)))[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """

    def forward(self, x):
        x, out_shape = check_pool_input(x, self.kernel_size, self.stride, self.impl)
        self._cache = (x.shape, out_shape)
        return AVG_FORWARD[self.impl](x, self.kernel_size, self.stride)

    def backward(self, grad_output):
        input_shape, output_shape = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, output_shape, "AvgPool2d.backward")
        return AVG_BACKWARD[self.impl](grad_output, input_shape, self.kernel_size, self.stride)
