r"""The convolution layer written as its formula: explicit loops, no tricks.

Taught in chapter 5, Channels and filters (forward) and chapter 10,
Backpropagation through a CNN (backward); ``conv2d(..., impl="naive")`` runs
these functions after checking the arguments.

Forward, for a batch ``x`` of shape ``(N, C, H, W)`` and weights ``w`` of shape
``(O, C, kH, kW)``, with stride ``s`` and dilation ``d``:

    y[n, o, i, j] = b[o] + sum_{c, u, v} x_pad[n, c, i*s + u*d, j*s + v*d] * w[o, c, u, v]

Backward runs the same four loops: each output ``y[n, o, i, j]`` is one
multiply-add of a window with ``w[o]``, so its gradient ``g`` flows back as
``dw[o] += window * g`` and ``dx_pad[window] += w[o] * g``. These functions
are slow on purpose: they are the reference the fast im2col version
(:mod:`cnn_lib.functional.conv_im2col`) is tested against, and the version
the book prints.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.padding import conv_geometry, pad2d


def conv2d_naive(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Multi-channel 2-D convolution (cross-correlation) with explicit loops.

    Arguments and result as in :func:`cnn_lib.functional.conv2d`: ``x`` of shape
    ``(N, C, H, W)`` and ``weight`` of shape ``(O, C, kH, kW)`` give ``y`` of
    shape ``(N, O, H_out, W_out)``. No argument checks here, so the loops stay
    in view: ``conv2d(..., impl="naive")`` validates, then calls this function.

    Examples
    --------
    >>> conv2d_naive(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    array([[[[4., 4.],
             [4., 4.]]]])
    """
    (sh, sw), pads, (dil_h, dil_w) = conv_geometry(weight.shape[2:], stride, padding, dilation)
    x_pad = pad2d(x, pads)
    n_batch, _, height, width = x_pad.shape
    n_out, _, kh, kw = weight.shape
    out_h = (height - dil_h * (kh - 1) - 1) // sh + 1
    out_w = (width - dil_w * (kw - 1) - 1) // sw + 1
    y = np.zeros((n_batch, n_out, out_h, out_w), dtype=np.result_type(x, weight))
    for n in range(n_batch):
        for o in range(n_out):
            for i in range(out_h):
                for j in range(out_w):
                    # The (C, kH, kW) block of pixels that weight[o] meets here.
                    rows = slice(i * sh, i * sh + dil_h * (kh - 1) + 1, dil_h)
                    cols = slice(j * sw, j * sw + dil_w * (kw - 1) + 1, dil_w)
                    window = x_pad[n, :, rows, cols]
                    y[n, o, i, j] = np.sum(window * weight[o])
                    if bias is not None:
                        y[n, o, i, j] += bias[o]
    return y


def conv2d_backward_naive(grad_output, x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Gradients of :func:`conv2d_naive`: the forward's loops, run backwards.

    The forward computed ``y[n, o, i, j] = sum(window * weight[o]) + bias[o]``.
    With ``g = grad_output[n, o, i, j]`` (shape ``(N, O, H_out, W_out)``), the
    chain rule on that one multiply-add gives ``g * window`` for ``weight[o]``,
    ``g * weight[o]`` for the window's pixels and ``g`` for ``bias[o]``. The
    other arguments are those given to :func:`conv2d_naive`. Returns ``dx, dw,
    db``, shaped like ``x``, ``weight`` and ``bias`` (``db`` None without bias).

    Examples
    --------
    >>> dx, dw, db = conv2d_backward_naive(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                                    np.ones((1, 1, 2, 2)), np.zeros(1))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    (sh, sw), pads, (dil_h, dil_w) = conv_geometry(weight.shape[2:], stride, padding, dilation)
    x_pad = pad2d(x, pads)
    n_batch, n_out, out_h, out_w = grad_output.shape
    kh, kw = weight.shape[2:]
    dtype = np.result_type(grad_output, x, weight)
    dx_pad = np.zeros(x_pad.shape, dtype=dtype)
    dw = np.zeros(weight.shape, dtype=dtype)
    for n in range(n_batch):
        for o in range(n_out):
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * sh, i * sh + dil_h * (kh - 1) + 1, dil_h)
                    cols = slice(j * sw, j * sw + dil_w * (kw - 1) + 1, dil_w)
                    g = grad_output[n, o, i, j]
                    dw[o] += x_pad[n, :, rows, cols] * g
                    dx_pad[n, :, rows, cols] += weight[o] * g
    # Strip the padding: its pixels are not inputs.
    (top, _), (left, _) = pads
    dx = dx_pad[:, :, top : top + x.shape[2], left : left + x.shape[3]]
    db = None if bias is None else grad_output.sum(axis=(0, 2, 3)).astype(dtype)
    return dx, dw, db
