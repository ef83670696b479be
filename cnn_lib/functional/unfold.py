"""Unfold windows into columns (im2col) and fold columns back (col2im).

Taught in chapter 15, Making it fast (``im2col`` first appears in chapter 3,
Convolution). PyTorch calls the same two operations ``nn.Unfold`` and
``nn.Fold``. The fast convolution, :mod:`cnn_lib.functional.conv_im2col`, is
built on them: forward is ``im2col`` then one matrix product per sample,
backward two more products and a ``col2im``.

*im2col* copies every ``(C, kH, kW)`` window of the padded input into one
column of a matrix: sample ``n`` gets ``cols[n]`` of shape
``(C * kH * kW, H_out * W_out)``. *col2im* is its adjoint: it adds each column
back onto the pixels it was copied from, so a pixel shared by several
windows collects the sum of their values.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnn_lib.functional.padding import window_offsets


def unfolded_hw(x_pad_shape, kernel_size, stride, dilation):
    """``(H_out, W_out)`` of a window sliding over an already padded input."""
    return tuple(
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(x_pad_shape[2:], kernel_size, stride, dilation, strict=True)
    )


def im2col(x_pad, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """Unfold every sliding window of ``x_pad`` into one column.

    Parameters
    ----------
    x_pad : ndarray, shape ``(N, C, H, W)``
        Input, already padded.
    kernel_size, stride, dilation : (h, w)

    Returns
    -------
    ndarray, shape ``(N, C * kH * kW, H_out * W_out)``
        Column ``i * W_out + j`` of ``cols[n]`` is the window at output
        ``(i, j)`` of sample ``n``, in ``(c, u, v)`` order to match
        ``weight.reshape(O, -1)``.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), (2, 2))[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_size, stride, dilation
    # A zero-copy view (N, C, H_out, W_out, kH, kW) of all windows...
    windows = sliding_window_view(x_pad, (dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dil_h, ::dil_w]
    n, c, out_h, out_w = windows.shape[:4]
    # ...which the reshape copies, once, into (N, C, kH, kW, H_out, W_out) order.
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)


def im2col_into(cols, x_pad, kernel_size, stride, dilation):
    """:func:`im2col`, copied straight into ``cols``, a preallocated ``(N, C * kH * kW, P)``.

    Filling a matrix made beforehand lets the forward pass give it one more
    row (of ones, for the bias), fill it one part of the batch at a time, and
    reuse one small buffer when the columns need not be kept.
    """
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_size, stride, dilation
    windows = sliding_window_view(x_pad, (dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dil_h, ::dil_w]
    n, c, out_h, out_w = windows.shape[:4]
    # Splitting axes is always a view, so this copy fills cols in place.
    np.copyto(cols.reshape(n, c, kh, kw, out_h, out_w), windows.transpose(0, 1, 4, 5, 2, 3))


def col2im(cols, x_pad_shape, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """Add each window column of ``cols`` back onto the pixels it came from.

    The adjoint of :func:`im2col`: a pixel shared by several windows collects
    the sum of their gradients. The loop runs over the ``kH * kW`` kernel
    offsets, each a vectorized add over all samples, channels and positions.

    Shapes
    ------
    ``cols: (N, C * kH * kW, H_out * W_out) -> (N, C, H, W)`` (``x_pad_shape``)

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), (2, 2))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    n, c = x_pad_shape[:2]
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_size, stride, dilation
    out_h, out_w = unfolded_hw(x_pad_shape, kernel_size, stride, dilation)
    blocks = cols.reshape(n, c, kh, kw, out_h, out_w)  # one (N, C, H_out, W_out) slab per offset
    grad = np.zeros(x_pad_shape, dtype=cols.dtype)
    for u, v, rows, columns in window_offsets((kh, kw), (sh, sw), (dil_h, dil_w), (out_h, out_w)):
        grad[:, :, rows, columns] += blocks[:, :, u, v]
    return grad
