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
    >>> max_pool2d_naive(np.arange(9.0).reshape(1, 1, 3, 3), 2, 1)[0, 0]
    array([[4., 5.],
           [7., 8.]])
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
    >>> x = np.array([[[[1.0, 3.0, 0.0]]]])  # overlapping windows share the 3
    >>> max_pool2d_backward_naive(np.ones((1, 1, 1, 2)), x, (1, 2), 1)[0, 0]
    array([[0., 2., 0.]])
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
    """Average pooling as a loop over window positions, all samples and channels at once.

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0, 5.0, 7.0], [3.0, 5.0, 7.0, 9.0]]]])
    >>> avg_pool2d_naive(x, 2)  # two 2x2 windows side by side
    array([[[[3., 7.]]]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(x.shape, kernel_size, stride)
    y = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            y[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].mean(axis=(2, 3))
    return y


def avg_pool2d_backward_naive(grad_output, input_shape, kernel_size, stride=None):
    """Gradient of average pooling: each window's ``kH * kW`` pixels get an equal share.

    Examples
    --------
    >>> avg_pool2d_backward_naive(np.ones((1, 1, 2, 2)), (1, 1, 3, 3), 2, 1)[0, 0]
    array([[0.25, 0.5 , 0.25],
           [0.5 , 1.  , 0.5 ],
           [0.25, 0.5 , 0.25]])
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(input_shape, kernel_size, stride)
    dx = np.zeros(input_shape, dtype=np.result_type(grad_output, np.float32))
    for i in range(out_h):
        for j in range(out_w):
            share = grad_output[:, :, i, j] / (kh * kw)  # (N, C): one share per window
            dx[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += share[:, :, None, None]
    return dx
