"""Fast 2-D cross-correlation: every window at once, as a strided view.

Taught in chapter 3, Convolution (the loop in :mod:`cnn_lib.functional.correlate`
is the version the chapter reads; this one computes the same numbers quickly).

``sliding_window_view`` shows the padded image as a 4-D array of windows,
``windows[i, j] = x[i : i + kH, j : j + kW]``, without copying anything. One
``einsum`` then takes the dot product of every window with the kernel::

    out[i, j] = sum_{u, v} windows[i, j, u, v] * k[u, v]

so the work runs in compiled code and the only new memory is the output. The
sums are the same as the loop's, added in another order, so results agree to
rounding error (tested against the loop and against SciPy).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate_valid_fast(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """ "Valid" cross-correlation of a 2-D ``x`` with a 2-D ``k`` (no checks, no padding).

    Shapes
    ------
    ``x: (H, W)``, ``k: (kH, kW)`` with ``kH <= H`` and ``kW <= W``
    -> ``(H - kH + 1, W - kW + 1)``.

    Examples
    --------
    >>> correlate_valid_fast(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    windows = sliding_window_view(x, k.shape)  # (H_out, W_out, kH, kW), a view
    dtype = np.result_type(x, k)
    return np.einsum("ijuv,uv->ij", windows, k, dtype=dtype, casting="same_kind")
