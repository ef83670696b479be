"""Max and average pooling as loops over windows: the teaching versions.

Taught in chapter 6, Pooling (forward) and chapter 10, Backpropagation
through a CNN (backward); ``max_pool2d(..., impl="naive")`` and its siblings
run these functions after checking the arguments. For output position
``(i, j)`` with a ``kH x kW`` window and stride ``s``:

    max:  y[n, c, i, j] = max_{u, v}  x[n, c, i*sH + u, j*sW + v]
    avg:  y[n, c, i, j] = mean_{u, v} x[n, c, i*sH + u, j*sW + v]

Each backward runs the forward's loops again: max pooling sends the output
gradient to the pixel that won the max (the first one in reading order on
ties, as PyTorch does); average pooling spreads it evenly over the window.
The fast versions are in :mod:`cnn_lib.functional.pooling_fast`.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.padding import pool_geometry


def max_pool2d_naive(x, kernel_size, stride=None):
    """Max pooling as a loop over every window (the teaching version).

    Parameters, returns and shapes as in :func:`cnn_lib.functional.max_pool2d`.

    Examples
    --------
    >>> max_pool2d_naive(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(x.shape, kernel_size, stride)
    y = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, c, i, j] = window.max()
    return y


def max_pool2d_backward_naive(grad_output, x, kernel_size, stride=None):
    """Gradient of max pooling, one window at a time: all of it goes to the argmax.

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    >>> max_pool2d_backward_naive(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(x.shape, kernel_size, stride)
    dx = np.zeros(x.shape, dtype=np.result_type(grad_output, x))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    # np.argmax returns the first maximum in reading order.
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + u, j * sw + v] += grad_output[n, c, i, j]
    return dx


def avg_pool2d_naive(x, kernel_size, stride=None):
    """Average pooling as a loop over every window (the teaching version).

    Examples
    --------
    >>> avg_pool2d_naive(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(x.shape, kernel_size, stride)
    y = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, c, i, j] = window.mean()
    return y


def avg_pool2d_backward_naive(grad_output, input_shape, kernel_size, stride=None):
    """Gradient of average pooling: each window's pixels get an equal share.

    Examples
    --------
    >>> avg_pool2d_backward_naive(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(input_shape, kernel_size, stride)
    dx = np.zeros(input_shape, dtype=np.result_type(grad_output, np.float32))
    for n in range(input_shape[0]):
        for c in range(input_shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    share = grad_output[n, c, i, j] / (kh * kw)
                    dx[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw] += share
    return dx
