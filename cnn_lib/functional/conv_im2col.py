"""Fast convolution: unfold the windows into a matrix, then one matrix multiply.

Taught in chapter 15, Making it fast. ``conv2d(..., impl="im2col")``, the
default, runs these functions after checking the arguments; they take the
same arguments as their naive twins in :mod:`cnn_lib.functional.conv_naive`.

:func:`~cnn_lib.functional.unfold.im2col` copies every ``(C, kH, kW)`` window
of the padded input into one column: sample ``n`` gets ``cols[n]`` of shape
``(C * kH * kW, H_out * W_out)``. Flattening the weights to
``(O, C * kH * kW)`` turns the whole convolution into one (batched) product

    y[n] = weight_2d @ cols[n]      # (O, H_out * W_out), already NCHW order

which BLAS computes far faster than Python loops. Backward is two more
products with the same ``cols``, plus
:func:`~cnn_lib.functional.unfold.col2im`, which adds each column of the
column gradient back onto the pixels it was copied from.

Layout matters for speed: with the output positions last, the copy into
``cols`` moves whole image rows at a time and ``y`` comes out contiguous in
NCHW order, so the next layer reads memory in order. The forward pass also
appends a row of ones to ``cols`` and the bias as a last weight column, so the
product adds the bias too instead of a second pass over ``y``. Samples never
mix, so :func:`cnn_lib.threads.run_in_parts` can compute parts of the batch at
once. When no backward pass will need ``cols`` (eval mode), each part refills
one small buffer, so every matrix is multiplied while it is still in the cache.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.padding import conv_geometry, pad2d
from cnn_lib.functional.unfold import col2im, im2col_into, unfolded_hw
from cnn_lib.threads import run_in_parts

#: Without ``return_cols``, each part of the batch unfolds at most this many
#: bytes of columns at a time into one reused buffer, which the product then
#: reads back from the cache, not from main memory. Of 0.5 to 4 MB, 1.5 and
#: 2 MB measured fastest for inference with the benchmark network (on a CPU
#: with 1 MB of L2 cache per core and 36 MB of L3).
CHUNK_BYTES = 2**21


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
        Also return the im2col matrix, which the backward pass can reuse. It
        holds every sample's matrix at once; without it, each part of the batch
        only needs a buffer of ``CHUNK_BYTES``.

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
    out_hw = unfolded_hw(x_pad.shape, (kh, kw), stride, dilation)
    weight_2d = weight.reshape(n_out, -1)
    rows = weight_2d.shape[1]
    if bias is not None:
        dtype = np.result_type(weight, x_pad)  # what weight_2d @ cols alone would give
        weight_2d = np.concatenate([weight_2d, bias[:, None]], axis=1, dtype=dtype)
    col_shape = (weight_2d.shape[1], out_hw[0] * out_hw[1])  # one sample's matrix
    cols = np.empty((len(x), *col_shape), x_pad.dtype) if return_cols else None
    y = np.empty((len(x), n_out, col_shape[1]), dtype=np.result_type(weight_2d, x_pad))

    def unfold_and_multiply(start, stop):  # samples start..stop-1
        # Backward reuses every matrix: fill cols. Otherwise refill a small buffer.
        if return_cols:
            buffer = cols[start:stop]
        else:
            buffer = _buffer(col_shape, x_pad.dtype, stop - start)
        buffer[:, rows:] = 1  # the row of ones, if there is a bias
        step = max(1, len(buffer))
        for first in range(start, stop, step):
            block = buffer[: min(step, stop - first)]
            samples = slice(first, first + len(block))
            im2col_into(block[:, :rows], x_pad[samples], (kh, kw), stride, dilation)
            np.matmul(weight_2d, block, out=y[samples])  # one GEMM per sample

    run_in_parts(unfold_and_multiply, len(x), size=len(x) * col_shape[0] * col_shape[1])
    y = y.reshape(len(x), n_out, *out_hw)
    return (y, cols) if return_cols else y


def _buffer(col_shape, dtype, n_samples):
    """Room for the matrices of up to ``n_samples`` samples, at most ``CHUNK_BYTES``."""
    per_sample = col_shape[0] * col_shape[1] * np.dtype(dtype).itemsize
    return np.empty((min(n_samples, max(1, CHUNK_BYTES // per_sample)), *col_shape), dtype)


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
    dx = np.empty(x.shape, np.result_type(weight, g)) if needs_input_grad else None

    def gradients(start, stop):  # samples start..stop-1: fills their dx, returns their dW sum
        if dx is not None:
            dx[start:stop] = _input_grad(weight, g[start:stop], x.shape, stride, pads, dilation)
        # dL/dW = sum over samples of (cols[n] @ g[n].T).T; the transposes are free
        # views, and this order measured faster than g[n] @ cols[n].T in OpenBLAS.
        return (cols[start:stop] @ g[start:stop].transpose(0, 2, 1)).sum(axis=0)

    dw_2d = sum(run_in_parts(gradients, len(x), size=cols.size)).T
    db = None
    if bias is not None:  # the row of ones in cols gives the bias column: sum of g
        dw_2d, db = dw_2d[:, :-1], dw_2d[:, -1]
    return dx, dw_2d.reshape(weight.shape), db


def _input_grad(weight, g, x_shape, stride, pads, dilation):
    """dL/dx of the samples in ``g``: col2im of ``W.T @ g``, without the padding."""
    (top, bottom), (left, right) = pads
    x_pad_shape = (len(g), x_shape[1], x_shape[2] + top + bottom, x_shape[3] + left + right)
    if tuple(stride) == (1, 1):  # the common case, measured about twice as fast
        dx_pad = _input_grad_stride1(weight, g, x_pad_shape, dilation)
    else:
        w_t = weight.reshape(len(weight), -1).T  # (C * kH * kW, O)
        dx_pad = col2im(w_t @ g, x_pad_shape, weight.shape[2:], stride, dilation)
    return dx_pad[:, :, top : top + x_shape[2], left : left + x_shape[3]]


def _input_grad_stride1(weight, g, x_pad_shape, dilation):
    """``col2im(w_t @ g, ...)`` for stride 1, with one long add per offset and sample.

    col2im's adds run over ``H_out`` short rows of ``W_out`` pixels each. With
    stride 1 they can run over one long stretch instead: flatten each channel
    of the padded image to ``length = H_pad * W_pad`` (plus a short tail), and
    give ``g`` the same layout, output row ``i`` at ``i * W_pad``, zeros in the
    extra columns and up to ``length``. The product ``W.T @ g`` then has that
    layout too, and the window at ``(i, j)`` shifted by kernel offset
    ``(u, v)`` lands on flat pixel ``(i + u) * W_pad + (j + v)``: each offset
    adds its block, shifted by ``u * W_pad + v``, to the whole sample at once,
    every channel in one stretch. What a channel's zeros push past its end
    lands on the next channel as zeros, harmless. Long stretches matter
    because NumPy pays a fixed cost per row of an elementwise pass: for the
    benchmark network's second convolution, 1.2 to 1.9 times as fast as one
    add per channel. The rows of ``W.T`` go in ``(u, v, c)`` order, so that
    each offset's block is contiguous.
    """
    (n, c, pad_h, pad_w), (kh, kw), (dil_h, dil_w) = x_pad_shape, weight.shape[2:], dilation
    w_t = weight.transpose(2, 3, 1, 0).reshape(kh * kw * c, -1)  # (kH * kW * C, O)
    out_h, out_w = unfolded_hw(x_pad_shape, (kh, kw), (1, 1), dilation)
    length = pad_h * pad_w + dil_w * (kw - 1)  # room for the last row's shifted end
    g_flat = np.zeros((*g.shape[:2], length), dtype=g.dtype)
    g_rows = g_flat[:, :, : out_h * pad_w].reshape(*g.shape[:2], out_h, pad_w)
    g_rows[..., :out_w] = g.reshape(*g.shape[:2], out_h, out_w)
    flat = np.zeros((n, c * length), dtype=np.result_type(w_t, g))
    # A few samples at a time, so that their product (~1 MB) is still in the
    # cache when the adds read it back: measured ~25% faster than 2 MB at once.
    chunk = max(1, 2**20 // (w_t.shape[0] * length * flat.itemsize))
    for first in range(0, n, chunk):
        blocks = (w_t @ g_flat[first : first + chunk]).reshape(-1, kh, kw, c * length)
        target = flat[first : first + chunk]
        for u in range(kh):
            for v in range(kw):
                shift = u * dil_h * pad_w + v * dil_w
                target[:, shift:] += blocks[:, u, v, : c * length - shift]
    return flat.reshape(n, c, length)[:, :, : pad_h * pad_w].reshape(x_pad_shape)
