"""2-D cross-correlation and convolution of one image with one kernel.

Taught in chapter 3, Convolution.

Cross-correlation slides the kernel over the image and takes a dot product at
every position:

    out[i, j] = sum_{u, v} x[i + u, j + v] * k[u, v]

True convolution is the same with the kernel flipped in both directions
(``k[::-1, ::-1]``). Deep learning "convolution" layers compute the
correlation; the two coincide for symmetric kernels.

The ``mode`` says which positions to keep, as in ``scipy.signal``:

- ``"valid"``: only where the kernel fits entirely inside ``x``;
- ``"full"``: wherever kernel and image overlap at all (zero padding of
  ``k - 1`` on each side);
- ``"same"``: the output has the shape of ``x``, centred on the full result.

Two implementations compute the same numbers (the tests prove it):
``impl="naive"`` runs :func:`correlate_valid_naive`, the loop below that reads
like the formula; the default ``impl="fast"`` runs
:func:`~cnn_lib.functional.correlate_fast.correlate_valid_fast`, which does all
windows at once (a 3000 x 3000 image takes a fraction of a second, not minutes).
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array, check_choice
from cnn_lib.functional.correlate_fast import correlate_valid_fast
from cnn_lib.functional.padding import pad2d

MODES = ("valid", "same", "full")
IMPLS = ("fast", "naive")


def correlate_valid_naive(x, k):
    """The teaching loop: one dot product per output position ("valid" mode)."""
    kh, kw = k.shape
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(x, k))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out


def _pad_for_mode(x, kernel_shape, mode, extra_at_end):
    """Zero-pad ``x`` so that a "valid" correlation gives the ``mode`` result.

    ``"full"`` pads ``k - 1`` on each side. ``"same"`` pads ``k - 1`` in total;
    scipy centres it on the full result, so for an even kernel the extra
    row/column goes at the bottom/right for correlation and at the top/left for
    convolution.
    """
    if mode == "valid":
        return x
    if mode == "full":
        return pad2d(x, (kernel_shape[0] - 1, kernel_shape[1] - 1))
    sides = []
    for k in kernel_shape:
        small, big = (k - 1) // 2, k // 2
        sides.append((small, big) if extra_at_end else (big, small))
    return pad2d(x, tuple(sides))


def _check(x, k, mode, impl):
    x = as_float_array(x, "x")
    k = as_float_array(k, "k")
    for name, a in (("x", x), ("k", k)):
        if a.ndim != 2:
            hint = "; for batches of multi-channel images use conv2d" if a.ndim > 2 else ""
            raise ValueError(f"{name} must be 2-D (H, W), got shape {a.shape}{hint}")
    check_choice(mode, MODES, "mode")
    check_choice(impl, IMPLS, "impl")
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(
            f"mode='valid' needs the kernel k no larger than x, got k of shape {k.shape} "
            f"and x of shape {x.shape}; use mode='same' or 'full'"
        )
    return x, k


def correlate2d(x, k, mode="valid", impl="fast"):
    """Cross-correlate image ``x`` with kernel ``k``; equals ``scipy.signal.correlate2d``.

    Parameters
    ----------
    x : array_like, shape ``(H, W)``
    k : array_like, shape ``(kH, kW)``
    mode : {"valid", "same", "full"}
    impl : {"fast", "naive"}
        ``"naive"``: the teaching loop; ``"fast"``: all windows at once. Same result.

    Returns
    -------
    ndarray

    Shapes
    ------
    ``valid: (H - kH + 1, W - kW + 1)``, ``same: (H, W)``,
    ``full: (H + kH - 1, W + kW - 1)``

    Examples
    --------
    >>> correlate2d(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    x, k = _check(x, k, mode, impl)
    valid = correlate_valid_naive if impl == "naive" else correlate_valid_fast
    return valid(_pad_for_mode(x, k.shape, mode, extra_at_end=True), k)


def convolve2d(x, k, mode="valid", impl="fast"):
    """Convolve image ``x`` with kernel ``k``; equals ``scipy.signal.convolve2d``.

    Convolution is correlation with the flipped kernel. Parameters, shapes,
    modes and ``impl`` are those of :func:`correlate2d`.

    Examples
    --------
    >>> convolve2d(np.array([[0.0, 1.0, 0.0]]), np.array([[1.0, 2.0]]), mode="full")
    array([[0., 1., 2., 0.]])
    """
    x, k = _check(x, k, mode, impl)
    valid = correlate_valid_naive if impl == "naive" else correlate_valid_fast
    # Flipping the kernel also mirrors scipy's "same" centring (extra_at_end=False).
    return valid(_pad_for_mode(x, k.shape, mode, extra_at_end=False), k[::-1, ::-1])
