r"""Public max and average pooling: check the arguments once, then run an implementation.

Taught in chapter 6, Pooling. Pooling slides a ``kH x kW`` window with step
``stride`` (default: the window size, so windows tile the image) over every
channel separately and keeps the max or the mean of each window. Two
implementations give the same results (the tests prove it), in one grid of
names a reader can guess:

- ``impl="naive"``: ``pooling_naive.max_pool2d_naive`` and
  ``pooling_naive.max_pool2d_backward_naive``;
- ``impl="fast"``: ``pooling_fast.max_pool2d_fast`` and
  ``pooling_fast.max_pool2d_backward_fast``;

and the same with ``avg_pool2d``. ``"naive"`` loops over every window, the
teaching version; ``"fast"`` (the default) loops over the ``kH * kW`` offsets
inside the window, each step a vectorized operation on the whole batch.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import (
    as_array,
    as_float_array,
    check_choice,
    check_grad_output,
    check_ndim,
    pair,
)
from cnn_lib.functional import pooling_fast, pooling_naive
from cnn_lib.functional.padding import _fit_windows

IMPLS = ("naive", "fast")
MAX_FORWARD = {"naive": pooling_naive.max_pool2d_naive, "fast": pooling_fast.max_pool2d_fast}
MAX_BACKWARD = {
    "naive": pooling_naive.max_pool2d_backward_naive,
    "fast": pooling_fast.max_pool2d_backward_fast,
}
AVG_FORWARD = {"naive": pooling_naive.avg_pool2d_naive, "fast": pooling_fast.avg_pool2d_fast}
AVG_BACKWARD = {
    "naive": pooling_naive.avg_pool2d_backward_naive,
    "fast": pooling_fast.avg_pool2d_backward_fast,
}


def check_pool_shape(shape, kernel_size, stride, impl, name="x"):
    """Validate a pooling call on an input of ``shape``; return the output shape."""
    check_ndim(np.broadcast_to(0.0, shape), 4, name, "(N, C, H, W)")
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    check_choice(impl, IMPLS, "impl")
    out_hw = tuple(
        _fit_windows(size, k, s, 1, f"the input {axis}", "use a smaller kernel_size")
        for axis, size, k, s in zip(("height", "width"), shape[2:], kernel, stride, strict=True)
    )
    return (*shape[:2], *out_hw)


def check_pool_input(x, kernel_size, stride, impl):
    """Validate a pooling input (shape first, then NaN); return it and the output shape."""
    x = as_array(x, "x")
    out_shape = check_pool_shape(x.shape, kernel_size, stride, impl)
    return as_float_array(x, "x"), out_shape


def max_pool2d(x, kernel_size, stride=None, impl="fast"):
    r"""Max over each ``kernel_size`` window of every channel, like ``torch``'s.

    .. math::

        y[n, c, i, j] = \max_{0 \le u < k_H,\ 0 \le v < k_W} x[n, c, s_H i + u, s_W j + v]

    Parameters
    ----------
    x : array_like, shape ``(N, C, H, W)``
    kernel_size : int or (kH, kW)
    stride : int or (sH, sW), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    impl : {"fast", "naive"}
        The vectorized version or the loop version that reads like the formula.

    Returns
    -------
    ndarray, shape ``(N, C, H_out, W_out)``

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H_out, W_out)``, with
    ``H_out = floor((H - kH) / sH) + 1`` and ``W_out = floor((W - kW) / sW) + 1``.

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, _ = check_pool_input(x, kernel_size, stride, impl)
    return MAX_FORWARD[impl](x, kernel_size, stride)


def max_pool2d_backward(grad_output, x, kernel_size, stride=None, impl="fast"):
    """Route each output gradient to the (first) maximum of its window.

    Parameters
    ----------
    grad_output : array_like, shape ``(N, C, H_out, W_out)``
    x : array_like, shape ``(N, C, H, W)``
        The forward input.
    kernel_size, stride, impl
        As given to :func:`max_pool2d`.

    Returns
    -------
    ndarray, shape ``(N, C, H, W)``

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x, out_shape = check_pool_input(x, kernel_size, stride, impl)
    grad_output = check_grad_output(grad_output, out_shape, "max_pool2d_backward")
    return MAX_BACKWARD[impl](grad_output, x, kernel_size, stride)


def avg_pool2d(x, kernel_size, stride=None, impl="fast"):
    r"""Mean over each ``kernel_size`` window of every channel, like ``torch``'s.

    .. math::

        y[n, c, i, j] = \frac{1}{k_H k_W} \sum_{u=0}^{k_H-1} \sum_{v=0}^{k_W-1}
        x[n, c, s_H i + u, s_W j + v]

    Parameters, returns and shapes as in :func:`max_pool2d`.

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, _ = check_pool_input(x, kernel_size, stride, impl)
    return AVG_FORWARD[impl](x, kernel_size, stride)


def avg_pool2d_backward(grad_output, input_shape, kernel_size, stride=None, impl="fast"):
    """Spread each output gradient evenly over the ``kH * kW`` pixels of its window.

    Parameters
    ----------
    grad_output : array_like, shape ``(N, C, H_out, W_out)``
    input_shape : tuple ``(N, C, H, W)``
        Shape of the forward input.
    kernel_size, stride, impl
        As given to :func:`avg_pool2d`.

    Returns
    -------
    ndarray, shape ``input_shape``

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    input_shape = tuple(input_shape)
    out_shape = check_pool_shape(input_shape, kernel_size, stride, impl, "input_shape")
    grad_output = check_grad_output(grad_output, out_shape, "avg_pool2d_backward")
    return AVG_BACKWARD[impl](grad_output, input_shape, kernel_size, stride)
