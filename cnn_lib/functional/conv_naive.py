"""The convolution layer written as its formula: explicit loops, no tricks.

Forward, for a batch ``x`` of shape ``(N, C, H, W)`` and weights ``w`` of shape
``(O, C, kH, kW)``, with stride ``s`` and dilation ``d``:

    y[n, o, i, j] = b[o] + sum_{c, u, v} x_pad[n, c, i*s + u*d, j*s + v*d] * w[o, c, u, v]

Backward is two more correlations (see :func:`conv2d_backward_naive`). These
functions are slow on purpose: they are the reference the fast im2col version
is tested against, and the version the book prints.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import pair
from cnn_lib.functional.correlate import convolve2d, correlate2d
from cnn_lib.functional.padding import pad2d, resolve_padding


def _geometry(weight, stride, padding, dilation):
    """Normalise stride, padding and dilation to explicit per-axis values."""
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    return stride, resolve_padding(padding, weight.shape[2:], stride, dilation), dilation


def conv2d_naive(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Multi-channel 2-D convolution (cross-correlation) with explicit loops.

    No argument checks here, so the loops stay in view: ``conv2d(...,
    impl="naive")`` validates its arguments and then calls this function.

    Parameters
    ----------
    x : ndarray, shape ``(N, C, H, W)``
    weight : ndarray, shape ``(O, C, kH, kW)``
    bias : ndarray, shape ``(O,)``, or None
    stride, dilation : int or (h, w)
    padding : int, (ph, pw), "valid", "same" or "full"

    Returns
    -------
    ndarray, shape ``(N, O, H_out, W_out)``

    Shapes
    ------
    ``x: (N, C, H, W), weight: (O, C, kH, kW) -> (N, O, H_out, W_out)``

    Examples
    --------
    >>> conv2d_naive(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    array([[[[4., 4.],
             [4., 4.]]]])
    """
    (sh, sw), pads, (dh, dw) = _geometry(weight, stride, padding, dilation)
    x_pad = pad2d(x, pads)
    n_batch, _, height, width = x_pad.shape
    n_out, _, kh, kw = weight.shape
    out_h = (height - dh * (kh - 1) - 1) // sh + 1
    out_w = (width - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n_batch, n_out, out_h, out_w), dtype=np.result_type(x, weight))
    for n in range(n_batch):
        for o in range(n_out):
            for i in range(out_h):
                for j in range(out_w):
                    # The (C, kH, kW) block of pixels that weight[o] meets here.
                    window = x_pad[
                        n,
                        :,
                        i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                        j * sw : j * sw + dw * (kw - 1) + 1 : dw,
                    ]
                    y[n, o, i, j] = np.sum(window * weight[o])
                    if bias is not None:
                        y[n, o, i, j] += bias[o]
    return y


def dilate2d(a, factor):
    """Insert ``factor - 1`` zeros between neighbouring entries of the last two axes.

    Examples
    --------
    >>> dilate2d(np.array([[1.0, 2.0]]), (1, 3))
    array([[1., 0., 0., 2.]])
    """
    fh, fw = factor
    *lead, h, w = a.shape
    out = np.zeros((*lead, fh * (h - 1) + 1, fw * (w - 1) + 1), dtype=a.dtype)
    out[..., ::fh, ::fw] = a
    return out


def conv2d_backward_naive(grad_output, x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Gradients of :func:`conv2d_naive`, built from 2-D correlations.

    Two zero-insertions make stride and dilation disappear from the formulas:

    - the output gradient ``g`` dilated by the stride (``g_s``, zeros between
      entries) lines each output up with the input pixel its window starts at;
    - the kernel dilated by the dilation (``w_d``) is the kernel the forward
      pass really slid over the input.

    Then, per sample ``n``, output channel ``o`` and input channel ``c``:

    - ``dL/dw[o, c]`` = *valid correlation* of the padded input ``x_pad[n, c]``
      with ``g_s[n, o]``, read every ``d``-th entry;
    - ``dL/dx_pad[n, c]`` = *full convolution* of ``g_s[n, o]`` with
      ``w_d[o, c]`` (each output spreads its gradient back over the pixels
      it read, weighted by the kernel);
    - ``dL/db[o]`` = the sum of ``g[:, o]``.

    Parameters
    ----------
    grad_output : ndarray, shape ``(N, O, H_out, W_out)``
    x, weight, bias, stride, padding, dilation
        As given to :func:`conv2d_naive`.

    Returns
    -------
    grad_x, grad_weight, grad_bias
        Shapes of ``x``, ``weight`` and ``bias`` (``grad_bias`` is None
        when ``bias`` is None).

    Examples
    --------
    >>> gx, gw, gb = conv2d_backward_naive(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                                    np.ones((1, 1, 2, 2)), np.zeros(1))
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    stride, pads, (dh, dw) = _geometry(weight, stride, padding, dilation)
    x_pad = pad2d(x, pads)
    n_batch, n_in, height, width = x_pad.shape
    n_out, _, kh, kw = weight.shape
    g_s = dilate2d(grad_output, stride)
    w_d = dilate2d(weight, (dh, dw))
    dtype = np.result_type(grad_output, x, weight)

    grad_weight = np.zeros(weight.shape, dtype=dtype)
    grad_x_pad = np.zeros(x_pad.shape, dtype=dtype)
    # Rows/columns at the bottom/right that no window reached get no gradient.
    full_h, full_w = g_s.shape[2] + w_d.shape[2] - 1, g_s.shape[3] + w_d.shape[3] - 1
    for n in range(n_batch):
        for o in range(n_out):
            for c in range(n_in):
                corr = correlate2d(x_pad[n, c], g_s[n, o], mode="valid")
                grad_weight[o, c] += corr[: dh * (kh - 1) + 1 : dh, : dw * (kw - 1) + 1 : dw]
                grad_x_pad[n, c, :full_h, :full_w] += convolve2d(g_s[n, o], w_d[o, c], mode="full")

    (top, bottom), (left, right) = pads
    grad_x = grad_x_pad[:, :, top : height - bottom, left : width - right]
    grad_bias = None if bias is None else grad_output.sum(axis=(0, 2, 3)).astype(dtype)
    return grad_x, grad_weight, grad_bias
