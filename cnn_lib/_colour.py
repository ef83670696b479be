"""Colour contrast as WCAG 2.1 defines it: which text colour reads on a coloured cell.

Used by :mod:`cnn_lib.viz` (numbers printed on kernels and confusion matrices)
and :mod:`cnn_lib.widgets.markup` (the explorers' heat-map tables), so that
every printed number passes the AA contrast ratio of 4.5:1.
"""

from __future__ import annotations

import numpy as np


def relative_luminance(rgb) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour given as three 0-255 integers."""
    channels = np.asarray(rgb, dtype=np.float64)[:3] / 255
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(rgb_a, rgb_b) -> float:
    """WCAG 2.1 contrast ratio ``(L1 + 0.05) / (L2 + 0.05)``, from 1 to 21 (AA text: >= 4.5).

    Examples
    --------
    >>> round(contrast_ratio((0, 0, 0), (255, 255, 255)), 1)
    21.0
    """
    a, b = sorted((relative_luminance(rgb_a), relative_luminance(rgb_b)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour(rgb) -> str:
    """``"#000"`` or ``"#fff"``, whichever contrasts more with a cell of colour ``rgb`` (0-255)."""
    black = contrast_ratio(rgb, (0, 0, 0))
    return "#000" if black >= contrast_ratio(rgb, (255, 255, 255)) else "#fff"
