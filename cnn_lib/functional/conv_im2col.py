"""Fast convolution: unfold the windows into a matrix, then one matrix multiply.

Taught in chapter 15, Making it fast (``im2col`` first appears in chapter 3,
Convolution). ``conv2d(..., impl="im2col")``, the default, runs these functions
after checking the arguments; they take the same arguments as their naive
twins in :mod:`cnn_lib.functional.conv_naive`.

*im2col* copies every ``(C, kH, kW)`` window of the padded input into one
column of a matrix: sample ``n`` gets ``cols[n]`` of shape
``(C * kH * kW, H_out * W_out)``. Flattening the weights to
``(O, C * kH * kW)`` turns the whole convolution into one (batched) product

    y[n] = weight_2d @ cols[n]      # (O, H_out * W_out), already NCHW order

which BLAS computes far faster than Python loops. Backward is two more
products with the same ``cols``, plus *col2im*, which adds each column of the
column gradient back onto the pixels it was copied from.

Layout matters for speed: with the output positions last, the copy into
``cols`` moves whole image rows at a time and ``y`` comes out contiguous in
NCHW order, so the next layer reads memory in order. The forward pass also
appends a row of ones to ``cols`` and the bias as a last weight column, so the
product adds the bias too instead of a second pass over ``y``. Samples never
mix, so :func:`cnn_lib.threads.run_in_parts` can compute parts of the batch at once.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnn_lib.functional.padding import conv_geometry, pad2d, window_offsets
from cnn_lib.threads import run_in_parts


def _output_hw(x_pad_shape, kernel_size, stride, dilation):
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


def _im2col_into(cols, x_pad, kernel_size, stride, dilation):
    """:func:`im2col`, copied straight into ``cols``, a preallocated ``(N, C * kH * kW, P)``.

    Filling a matrix made beforehand lets the forward pass give it one more
    row (of ones, for the bias) and fill it one part of the batch at a time.
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
    out_h, out_w = _output_hw(x_pad_shape, kernel_size, stride, dilation)
    blocks = cols.reshape(n, c, kh, kw, out_h, out_w)  # one (N, C, H_out, W_out) slab per offset
    grad = np.zeros(x_pad_shape, dtype=cols.dtype)
    for u, v, rows, columns in window_offsets((kh, kw), (sh, sw), (dil_h, dil_w), (out_h, out_w)):
        grad[:, :, rows, columns] += blocks[:, :, u, v]
    return grad


def conv2d_im2col(x, weight, bias=None, stride=1, padding=0, dilation=1, return_cols=False):
    """Convolution by im2col: the same result as :func:`conv2d_naive`, vectorized.

    With a bias, ``[W | b] @ [cols; 1]`` equals ``W @ cols + b``. With
    :func:`cnn_lib.threads.set_num_threads` above 1, parts of the batch are
    unfolded and multiplied at the same time.

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation
        As for :func:`cnn_lib.functional.conv_naive.conv2d_naive`.
    return_cols : bool, default False
        Also return the im2col matrix, which the backward pass can reuse.

    Returns
    -------
    y : ndarray, shape ``(N, O, H_out, W_out)``
    cols : ndarray, shape ``(N, C * kH * kW (+ 1 with a bias), H_out * W_out)``
        Only with ``return_cols=True``.

    Examples
    --------
    >>> conv2d_im2col(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    array([[[[4., 4.],
             [4., 4.]]]])
    """
    stride, pads, dilation = conv_geometry(weight.shape[2:], stride, padding, dilation)
    x_pad = pad2d(x, pads)
    n_out, _, kh, kw = weight.shape
    out_hw = _output_hw(x_pad.shape, (kh, kw), stride, dilation)
    weight_2d = weight.reshape(n_out, -1)
    rows = weight_2d.shape[1]
    if bias is not None:
        dtype = np.result_type(weight, x_pad)  # what weight_2d @ cols alone would give
        weight_2d = np.concatenate([weight_2d, bias[:, None]], axis=1, dtype=dtype)
    cols = np.empty((len(x), weight_2d.shape[1], out_hw[0] * out_hw[1]), dtype=x_pad.dtype)
    cols[:, rows:] = 1  # the row of ones, if there is a bias
    y = np.empty((len(x), n_out, cols.shape[2]), dtype=np.result_type(weight_2d, cols))

    def unfold_and_multiply(start, stop):  # samples start..stop-1
        _im2col_into(cols[start:stop, :rows], x_pad[start:stop], (kh, kw), stride, dilation)
        np.matmul(weight_2d, cols[start:stop], out=y[start:stop])  # one GEMM per sample

    run_in_parts(unfold_and_multiply, len(x), size=cols.size)
    y = y.reshape(len(x), n_out, *out_hw)
    return (y, cols) if return_cols else y


def conv2d_backward_im2col(
    grad_output,
    x,
    weight,
    bias=None,
    stride=1,
    padding=0,
    dilation=1,
    cols=None,
    needs_input_grad=True,
):
    """Gradients of :func:`conv2d_im2col`, as two matrix products and a col2im.

    Arguments and result as for :func:`cnn_lib.functional.conv_naive.conv2d_backward_naive`,
    plus ``cols``, the matrix ``conv2d_im2col(..., return_cols=True)`` returned
    (rebuilt when None), and ``needs_input_grad``: False skips ``dx`` (returned
    as None), e.g. for a network's first layer.
    """
    stride, pads, dilation = conv_geometry(weight.shape[2:], stride, padding, dilation)
    if cols is None:
        cols = conv2d_im2col(x, weight, bias, stride, pads, dilation, return_cols=True)[1]
    n_out = weight.shape[0]
    g = grad_output.reshape(len(x), n_out, -1)  # (N, O, H_out * W_out)
    w_t = weight.reshape(n_out, -1).T  # (C * kH * kW, O)
    dx = np.empty(x.shape, np.result_type(w_t, g)) if needs_input_grad else None

    def gradients(start, stop):  # samples start..stop-1: fills their dx, returns their dW sum
        if dx is not None:
            dx[start:stop] = _input_grad(
                w_t, g[start:stop], x.shape, weight.shape[2:], stride, pads, dilation
            )
        # dL/dW = sum over samples of (cols[n] @ g[n].T).T; the transposes are free
        # views, and this order measured faster than g[n] @ cols[n].T in OpenBLAS.
        return (cols[start:stop] @ g[start:stop].transpose(0, 2, 1)).sum(axis=0)

    dw_2d = sum(run_in_parts(gradients, len(x), size=cols.size)).T
    db = None
    if bias is not None:  # the row of ones in cols gives the bias column: sum of g
        dw_2d, db = dw_2d[:, :-1], dw_2d[:, -1]
    return dx, dw_2d.reshape(weight.shape), db


def _input_grad(w_t, g, x_shape, kernel_size, stride, pads, dilation):
    """dL/dx of the samples in ``g``: col2im of ``w_t @ g``, without the padding."""
    (top, bottom), (left, right) = pads
    x_pad_shape = (len(g), x_shape[1], x_shape[2] + top + bottom, x_shape[3] + left + right)
    if tuple(stride) == (1, 1):  # the common case, measured about twice as fast
        dx_pad = _input_grad_stride1(w_t, g, x_pad_shape, kernel_size, dilation)
    else:
        dx_pad = col2im(w_t @ g, x_pad_shape, kernel_size, stride, dilation)
    return dx_pad[:, :, top : top + x_shape[2], left : left + x_shape[3]]


def _input_grad_stride1(w_t, g, x_pad_shape, kernel_size, dilation):
    """``col2im(w_t @ g, ...)`` for stride 1, with long contiguous adds.

    col2im's adds run over ``H_out`` short rows of ``W_out`` pixels each. With
    stride 1 they can run over one long stretch instead: give each row of
    output positions the padded width ``W_pad`` (zeros in the extra columns of
    ``g``, hence of the product); the window at ``(i, j)`` shifted by kernel
    offset ``(u, v)`` then lands on flat pixel ``(i + u) * W_pad + (j + v)``, so
    each offset adds one shifted slice of the flattened image. The zero
    columns run past the row end onto the next row (or a small tail), harmless.
    """
    (n, c, pad_h, pad_w), (kh, kw), (dil_h, dil_w) = x_pad_shape, kernel_size, dilation
    out_h, out_w = pad_h - dil_h * (kh - 1), pad_w - dil_w * (kw - 1)
    g_wide = np.zeros((*g.shape[:2], out_h, pad_w), dtype=g.dtype)
    g_wide[..., :out_w] = g.reshape(*g.shape[:2], out_h, out_w)
    size = out_h * pad_w
    g_wide = g_wide.reshape(*g.shape[:2], size)
    flat = np.zeros((n, c, pad_h * pad_w + dil_w * (kw - 1)), dtype=np.result_type(w_t, g))
    # A few samples at a time, so that their product (~1 MB) is still in the
    # cache when the adds read it back: measured ~15% faster than all at once.
    chunk = max(1, 2**20 // (w_t.shape[0] * size * flat.itemsize))
    for first in range(0, n, chunk):
        blocks = (w_t @ g_wide[first : first + chunk]).reshape(-1, c, kh, kw, size)
        target = flat[first : first + chunk]
        for u in range(kh):
            for v in range(kw):
                start = u * dil_h * pad_w + v * dil_w
                target[:, :, start : start + size] += blocks[:, :, u, v]
    return flat[:, :, : pad_h * pad_w].reshape(x_pad_shape)
