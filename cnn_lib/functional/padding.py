"""Window geometry: padding, output sizes and where each window sits.

Taught in chapter 4, Padding and stride.

Every sliding-window operation (convolution, pooling) shares the same
arithmetic. A kernel of size ``k`` with dilation ``d`` covers
``d * (k - 1) + 1`` input pixels; sliding it with step ``stride`` over an input
of size ``n`` padded by ``p`` on each side gives

    n_out = floor((n + 2p - d (k - 1) - 1) / stride) + 1

positions (Dumoulin and Visin, "A guide to convolution arithmetic").
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_positive_int, pair

PADDING_MODES = ("valid", "same", "full")


def _check_non_negative_int(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer (>= 0), got {value}")
    return int(value)


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    """Number of positions a sliding window takes along one axis.

    Parameters
    ----------
    n : int
        Input size (height or width).
    kernel_size, stride, dilation : int, positive
    padding : int, non-negative
        Pixels added on *each* side.

    Returns
    -------
    int
        ``floor((n + 2*padding - dilation*(kernel_size-1) - 1) / stride) + 1``.

    Raises
    ------
    ValueError
        If an argument is out of range or the window does not fit even once.

    Examples
    --------
    >>> conv_output_size(28, 3, padding=1)
    28
    >>> conv_output_size(28, 2, stride=2)
    14
    """
    n = check_positive_int(n, "n")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = check_positive_int(stride, "stride")
    dilation = check_positive_int(dilation, "dilation")
    padding = _check_non_negative_int(padding, "padding")
    what = f"the padded size (n={n} + 2*padding={2 * padding})"
    return _fit_windows(n + 2 * padding, kernel_size, stride, dilation, what)


def _fit_windows(padded: int, kernel_size: int, stride: int, dilation: int, what: str, fix=None):
    """Output size for an already padded length ``padded``; explains a failure.

    ``what`` names the length in the message, e.g. ``"the padded input height"``.
    """
    span = dilation * (kernel_size - 1) + 1
    if span > padded:
        dilated = f" with dilation={dilation}" if dilation != 1 else ""
        fix = fix or "use a smaller kernel_size or dilation, or more padding"
        raise ValueError(
            f"kernel_size={kernel_size}{dilated} spans {span} pixels but {what} is only "
            f"{padded}; {fix}"
        )
    return (padded - span) // stride + 1


def resolve_padding(padding, kernel_size, stride=1, dilation=1):
    """Turn a padding spec into explicit ``((top, bottom), (left, right))``.

    Parameters
    ----------
    padding : int, (ph, pw), ((top, bottom), (left, right)), or str
        ``"valid"`` is no padding. ``"same"`` keeps the size (stride 1 only; an
        even kernel pads one more at the bottom/right, as PyTorch does).
        ``"full"`` is ``dilation * (kernel_size - 1)`` on every side.
    kernel_size, stride, dilation : int or (h, w)

    Returns
    -------
    tuple
        ``((top, bottom), (left, right))`` of non-negative ints.

    Examples
    --------
    >>> resolve_padding("same", 4)
    ((1, 2), (1, 2))
    >>> resolve_padding((1, 2), 3)
    ((1, 1), (2, 2))
    """
    geometry = pair(kernel_size, "kernel_size"), pair(stride, "stride"), pair(dilation, "dilation")
    if isinstance(padding, str):
        return _named_padding(padding, *geometry)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            return tuple(
                tuple(_check_non_negative_int(v, "padding") for v in side) for side in padding
            )
        ph, pw = (_check_non_negative_int(p, "padding") for p in padding)
        return (ph, ph), (pw, pw)
    if isinstance(padding, (tuple, list)):
        raise ValueError(f"padding must be an int or a pair (ph, pw), got {padding!r}")
    p = _check_non_negative_int(padding, "padding")
    return (p, p), (p, p)


def _named_padding(padding, kernel_size, stride, dilation):
    """Explicit padding for ``"valid"``, ``"same"`` or ``"full"`` (see :func:`resolve_padding`)."""
    if padding not in PADDING_MODES:
        raise ValueError(
            f"padding must be an int, a pair (ph, pw) or one of "
            f"{', '.join(repr(m) for m in PADDING_MODES)}, got {padding!r}"
        )
    if padding == "valid":
        return (0, 0), (0, 0)
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_size, stride, dilation
    total_h, total_w = dil_h * (kh - 1), dil_w * (kw - 1)
    if padding == "full":
        return (total_h, total_h), (total_w, total_w)
    if (sh, sw) != (1, 1):
        shown = sh if sh == sw else (sh, sw)
        raise ValueError(
            f"padding='same' needs stride=1, got stride={shown}; "
            "use an explicit int padding with strided convolutions"
        )
    return (total_h // 2, total_h - total_h // 2), (total_w // 2, total_w - total_w // 2)


def conv_geometry(kernel_size, stride, padding, dilation):
    """Normalise a convolution's ``stride, padding, dilation`` to explicit values.

    Returns ``((sH, sW), ((top, bottom), (left, right)), (dH, dW))``.

    Examples
    --------
    >>> conv_geometry((3, 3), 1, "same", 2)
    ((1, 1), ((2, 2), (2, 2)), (2, 2))
    """
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    return stride, resolve_padding(padding, kernel_size, stride, dilation), dilation


def pool_geometry(shape, kernel_size, stride=None):
    """``(kH, kW), (sH, sW), (H_out, W_out)`` of pooling windows over an ``(N, C, H, W)`` shape.

    ``stride`` defaults to ``kernel_size`` (windows that tile the input).

    Examples
    --------
    >>> pool_geometry((1, 1, 28, 28), 2)
    ((2, 2), (2, 2), (14, 14))
    """
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else pair(stride, "stride")
    return (kh, kw), (sh, sw), ((shape[2] - kh) // sh + 1, (shape[3] - kw) // sw + 1)


def pad2d(x, padding, value=0.0):
    """Pad the last two axes of ``x`` with a constant.

    Parameters
    ----------
    x : ndarray, shape ``(..., H, W)``
    padding : int, (ph, pw) or ((top, bottom), (left, right))
    value : float, default 0.0

    Returns
    -------
    ndarray
        Same dtype as ``x``; ``x`` itself (no copy) when the padding is zero.

    Shapes
    ------
    ``x: (..., H, W) -> (..., H + top + bottom, W + left + right)``

    Examples
    --------
    >>> pad2d(np.ones((1, 1)), 1)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    if isinstance(padding, str):
        raise ValueError(f"pad2d needs numeric padding (int or (ph, pw)), got {padding!r}")
    (top, bottom), (left, right) = resolve_padding(padding, 1)
    if top == bottom == left == right == 0:
        return x
    *lead, h, w = x.shape
    # Allocate once and copy the interior: cheaper than np.pad's general machinery
    # (and np.zeros gets pre-zeroed memory from the system for free).
    shape = (*lead, top + h + bottom, left + w + right)
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    out[..., top : top + h, left : left + w] = x
    return out


def window_offsets(kernel_size, stride, dilation, out_size):
    """Yield ``(u, v, rows, cols)`` for every kernel offset ``(u, v)``.

    ``x[..., rows, cols]`` is then the ``(H_out, W_out)`` grid of input pixels
    that kernel weight ``(u, v)`` meets as the window slides. Looping over the
    ``kH * kW`` offsets (never over pixels) keeps pooling and col2im vectorized.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> [x[r, c].tolist() for u, v, r, c in window_offsets((2, 2), (2, 2), (1, 1), (2, 2))][0]
    [[0, 2], [8, 10]]
    """
    (kh, kw), (sh, sw), (dil_h, dil_w), (ho, wo) = kernel_size, stride, dilation, out_size
    for u in range(kh):
        rows = slice(u * dil_h, u * dil_h + sh * (ho - 1) + 1, sh)
        for v in range(kw):
            yield u, v, rows, slice(v * dil_w, v * dil_w + sw * (wo - 1) + 1, sw)
