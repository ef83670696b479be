"""Public 2-D convolution: checks the arguments once, then runs an implementation.

Two implementations compute the same thing (the tests prove it):

- ``impl="naive"``: explicit loops that read like the formula
  (:mod:`cnn_lib.functional.conv_naive`), the teaching version;
- ``impl="im2col"``: windows unfolded into a matrix and one matrix multiply
  (:mod:`cnn_lib.functional.conv_im2col`), the fast default.

Like every deep learning library, "convolution" here is cross-correlation
(the kernel is not flipped).
"""

from __future__ import annotations

from cnn_lib._validation import (
    as_float_array,
    check_choice,
    check_grad_output,
    check_ndim,
    pair,
)
from cnn_lib.functional.conv_im2col import conv2d_im2col_backward, conv2d_im2col_forward
from cnn_lib.functional.conv_naive import conv2d_backward_naive, conv2d_naive
from cnn_lib.functional.padding import _fit_windows, resolve_padding

IMPLS = ("naive", "im2col")


def check_conv_input(x, in_channels, weight_shape, stride, padding, dilation, who):
    """Validate a conv input batch; return it as a float array and the output shape.

    ``stride``, ``padding`` and ``dilation`` must already be normalised.
    """
    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{who} expected input with {in_channels} channels, got {x.shape[1]} (shape {x.shape})"
        )
    out_hw = []
    for axis in (0, 1):
        size, (before, after) = x.shape[2 + axis], padding[axis]
        what = f"the padded input {('height', 'width')[axis]} ({size} + padding {before} + {after})"
        kernel = weight_shape[2 + axis]
        out_hw.append(
            _fit_windows(size + before + after, kernel, stride[axis], dilation[axis], what)
        )
    return x, (x.shape[0], weight_shape[0], *out_hw)


def _check_conv_args(x, weight, bias, stride, padding, dilation, impl):
    weight = as_float_array(weight, "weight")
    if weight.ndim != 4:
        raise ValueError(
            "weight must be 4-D with layout (out_channels, in_channels, kH, kW), "
            f"got shape {weight.shape}"
        )
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"bias must have shape (out_channels,) = ({weight.shape[0]},), got {bias.shape}"
            )
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    padding = resolve_padding(padding, weight.shape[2:], stride, dilation)
    check_choice(impl, IMPLS, "impl")
    x, out_shape = check_conv_input(
        x, weight.shape[1], weight.shape, stride, padding, dilation, "conv2d"
    )
    return x, weight, bias, stride, padding, dilation, out_shape


def conv2d_forward(x, weight, bias, stride, padding, dilation, impl="im2col"):
    """Unchecked forward on normalised arguments; returns ``(y, cache)``."""
    if impl == "naive":
        y = conv2d_naive(x, weight, bias, stride, padding, dilation)
        return y, ("naive", (x, weight, bias, stride, padding, dilation))
    y, cache = conv2d_im2col_forward(x, weight, bias, stride, padding, dilation)
    return y, ("im2col", cache)


def conv2d_backward_cached(grad_output, cache, need_input_grad=True):
    """Gradients ``(grad_x, grad_weight, grad_bias)`` from a :func:`conv2d_forward` cache."""
    impl, saved = cache
    if impl == "naive":
        grads = conv2d_backward_naive(grad_output, *saved)
        return grads if need_input_grad else (None, *grads[1:])
    return conv2d_im2col_backward(grad_output, saved, need_input_grad)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, impl="im2col"):
    """2-D convolution (cross-correlation) of a batch, like ``torch.nn.functional.conv2d``.

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
        ``H_out = floor((H + pad_top + pad_bottom - dilation*(kH-1) - 1) / stride) + 1``.

    Shapes
    ------
    ``x: (N, C_in, H, W), weight: (C_out, C_in, kH, kW) -> (N, C_out, H_out, W_out)``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((2, 3, 5, 5), dtype=np.float32)
    >>> conv2d(x, np.ones((4, 3, 3, 3), dtype=np.float32), padding=1).shape
    (2, 4, 5, 5)
    """
    args = _check_conv_args(x, weight, bias, stride, padding, dilation, impl)
    return conv2d_forward(*args[:-1], impl=impl)[0]


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
    grad_x, grad_weight, grad_bias
        Shapes of ``x``, ``weight`` and ``bias``; ``grad_bias`` is None when
        ``bias`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                              np.ones((1, 1, 2, 2)), bias=np.zeros(1))
    >>> gb
    array([4.])
    """
    *args, out_shape = _check_conv_args(x, weight, bias, stride, padding, dilation, impl)
    grad_output = check_grad_output(grad_output, out_shape, "conv2d_backward")
    if impl == "naive":
        return conv2d_backward_naive(grad_output, *args)
    _, cache = conv2d_im2col_forward(*args)
    return conv2d_im2col_backward(grad_output, cache)
