r"""Public 2-D convolution: checks the arguments once, then runs an implementation.

Taught in chapter 3, Convolution, and chapter 5, Channels and filters. Two
implementations compute the same thing (the tests prove it), with one grid of
names a reader can guess:

=============  ===================================  ==========================================
``impl``       forward                              backward
=============  ===================================  ==========================================
``"naive"``    ``conv_naive.conv2d_naive``          ``conv_naive.conv2d_backward_naive``
``"im2col"``   ``conv_im2col.conv2d_im2col``        ``conv_im2col.conv2d_backward_im2col``
=============  ===================================  ==========================================

``"naive"`` is explicit loops that read like the formula, the teaching
version; ``"im2col"`` (the default) unfolds the windows into a matrix and
runs one matrix multiply. Like every deep learning library, "convolution"
here is cross-correlation (the kernel is not flipped).
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import (
    as_array,
    as_float_array,
    check_allocation,
    check_choice,
    check_finite,
    check_grad_output,
    check_ndim,
)
from cnn_lib.functional.conv_im2col import conv2d_backward_im2col, conv2d_im2col
from cnn_lib.functional.conv_naive import conv2d_backward_naive, conv2d_naive
from cnn_lib.functional.padding import _fit_windows, conv_geometry

IMPLS = ("naive", "im2col")
FORWARD = {"naive": conv2d_naive, "im2col": conv2d_im2col}
BACKWARD = {"naive": conv2d_backward_naive, "im2col": conv2d_backward_im2col}


def check_conv_input(x, weight_shape, stride, padding, dilation, impl, who):
    """Validate a conv input batch; return it as a float array and the output shape.

    ``stride``, ``padding`` and ``dilation`` must already be normalised. The
    cheap checks (shape, channels, sizes of the arrays to allocate) run before
    the input is converted or scanned for NaN.
    """
    x = as_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    n_out, in_channels, *kernel = weight_shape
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{who} expected input with {in_channels} channels, got {x.shape[1]} (shape {x.shape})"
        )
    padded = [size + sum(pads) for size, pads in zip(x.shape[2:], padding, strict=True)]
    out_hw = []
    for axis in (0, 1):
        size, (before, after) = x.shape[2 + axis], padding[axis]
        what = f"the padded input {('height', 'width')[axis]} ({size} + padding {before} + {after})"
        out_hw.append(_fit_windows(padded[axis], kernel[axis], stride[axis], dilation[axis], what))
    dtype = x.dtype if x.dtype.kind == "f" else "float32"
    n, c = x.shape[:2]
    check_allocation((n, c, *padded), dtype, "the padded input", who, f"check padding={padding}")
    fix = "pass a smaller batch (evaluate and predict take batch_size)"
    check_allocation((n, n_out, *out_hw), dtype, "the output", who, fix)
    if impl == "im2col":
        cols = (n, c * kernel[0] * kernel[1] + 1, out_hw[0] * out_hw[1])
        check_allocation(cols, dtype, "the im2col matrix", who, fix)
    return as_float_array(x, "x"), (n, n_out, *out_hw)


def check_weight(weight, name="weight"):
    """Validate conv weights: 4-D ``(out_channels, in_channels, kH, kW)``, non-empty, finite."""
    weight = as_array(weight, name)
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            f"{name} must be 4-D with layout (out_channels, in_channels, kH, kW), every size "
            f">= 1, got shape {weight.shape}"
        )
    check_finite(weight, name)
    return weight if weight.dtype.kind == "f" else weight.astype(np.float32)


def check_bias(bias, out_channels, name="bias"):
    """Validate a conv bias: ``None`` or finite of shape ``(out_channels,)``."""
    if bias is None:
        return None
    bias = as_array(bias, name)
    if bias.shape != (out_channels,):
        raise ValueError(
            f"{name} must have shape (out_channels,) = ({out_channels},), got {bias.shape}"
        )
    check_finite(bias, name)
    return bias if bias.dtype.kind == "f" else bias.astype(np.float32)


def _check_conv_args(x, weight, bias, stride, padding, dilation, impl, who):
    weight = check_weight(weight)
    bias = check_bias(bias, weight.shape[0])
    stride, padding, dilation = conv_geometry(weight.shape[2:], stride, padding, dilation)
    check_choice(impl, IMPLS, "impl")
    x, out_shape = check_conv_input(x, weight.shape, stride, padding, dilation, impl, who)
    return (x, weight, bias, stride, padding, dilation), out_shape


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, impl="im2col"):
    r"""2-D convolution (cross-correlation) of a batch, like ``torch.nn.functional.conv2d``.

    For sample ``n``, output channel ``o`` and output position ``(i, j)``,
    with stride ``s``, dilation ``d`` and the input ``x_pad`` padded by ``p``:

    .. math::

        y[n, o, i, j] = b[o] + \sum_{c=0}^{C_\text{in}-1} \sum_{u=0}^{k_H-1}
        \sum_{v=0}^{k_W-1} w[o, c, u, v] \, x_\text{pad}[n, c, s_H i + d_H u, s_W j + d_W v]

    Parameters
    ----------
    x : array_like, shape ``(N, C_in, H, W)``
    weight : array_like, shape ``(C_out, C_in, kH, kW)``
    bias : array_like, shape ``(C_out,)``, optional
    stride, dilation : int or (h, w), default 1
    padding : int, (ph, pw), "valid", "same" or "full", default 0
        ``"same"`` keeps ``H, W`` (stride 1 only; an even kernel pads one more
        at the bottom/right); ``"full"`` pads ``dilation * (k - 1)`` per side.
    impl : {"im2col", "naive"}
        The fast vectorized version or the loop version that reads like the formula.

    Returns
    -------
    ndarray, shape ``(N, C_out, H_out, W_out)``

    Shapes
    ------
    ``x: (N, C_in, H, W), weight: (C_out, C_in, kH, kW) -> (N, C_out, H_out, W_out)``, where

    .. math::

        H_\text{out} = \left\lfloor \frac{H + 2 p_H - d_H (k_H - 1) - 1}{s_H} \right\rfloor + 1,
        \qquad
        W_\text{out} = \left\lfloor \frac{W + 2 p_W - d_W (k_W - 1) - 1}{s_W} \right\rfloor + 1

    (with ``padding="same"`` and an even kernel, ``2 p`` is the total of both sides).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((2, 3, 5, 5), dtype=np.float32)
    >>> conv2d(x, np.ones((4, 3, 3, 3), dtype=np.float32), padding=1).shape
    (2, 4, 5, 5)
    """
    args, _ = _check_conv_args(x, weight, bias, stride, padding, dilation, impl, "conv2d")
    return FORWARD[impl](*args)


def conv2d_backward(
    grad_output, x, weight, bias=None, stride=1, padding=0, dilation=1, impl="im2col"
):
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    Parameters
    ----------
    grad_output : array_like, shape ``(N, C_out, H_out, W_out)``
        d(loss)/d(output).
    x, weight, bias, stride, padding, dilation, impl
        Exactly as given to :func:`conv2d`.

    Returns
    -------
    dx, dw, db
        Shapes of ``x``, ``weight`` and ``bias``; ``db`` is None when
        ``bias`` is None.

    Shapes
    ------
    ``grad_output: (N, C_out, H_out, W_out) -> dx: (N, C_in, H, W), dw: (C_out, C_in, kH, kW)``

    Examples
    --------
    >>> import numpy as np
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                              np.ones((1, 1, 2, 2)), bias=np.zeros(1))
    >>> db
    array([4.])
    """
    args, out_shape = _check_conv_args(
        x, weight, bias, stride, padding, dilation, impl, "conv2d_backward"
    )
    grad_output = check_grad_output(grad_output, out_shape, "conv2d_backward")
    return BACKWARD[impl](grad_output, *args)
