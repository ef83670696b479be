"""Small HTML pieces the explorers are drawn with: images, heatmap tables, bars.

Every view of an explorer is a string of HTML, so the *same* render function
feeds the live Jupyter widget and the precomputed frames of the static book
page. Images are embedded as base64 PNGs at their native resolution and
enlarged by the browser with ``image-rendering: pixelated`` (a 28x28 image is
under 1 KB), which keeps hundreds of frames cheap.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
from matplotlib import colormaps
from PIL import Image

# signed values: blue < 0 < red, white at 0; text colours chosen by WCAG contrast
from cnn_lib._colour import text_colour
from cnn_lib.viz import DIVERGING

PALETTE = 64  # colours of a colour-mapped PNG


def signed_limit(*arrays) -> float:
    """Largest absolute value over ``arrays`` (at least 1e-12), for symmetric colour limits."""
    return max([1e-12] + [float(np.max(np.abs(a))) for a in arrays if np.size(a)])


def to_rgb(values, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    """Map values to ``uint8`` RGB through a matplotlib colour map, clipped to [vmin, vmax]."""
    span = vmax - vmin if vmax > vmin else 1.0
    scaled = np.clip((np.asarray(values, dtype=np.float64) - vmin) / span, 0.0, 1.0)
    return (colormaps[cmap](scaled)[..., :3] * 255).round().astype(np.uint8)


def _encode(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_data_uri(image, cmap: str = "gray", vmin=None, vmax=None) -> str:
    """Encode a 2-D array as a ``data:image/png;base64,...`` URI at native size.

    Parameters
    ----------
    image : array_like, shape (H, W)
    cmap : str
        Any matplotlib colour map. The PNG stores one byte per pixel either
        way (256 grey levels, or an index into a 64-colour palette sampled
        from the colour map), so a 28x28 image weighs well under 1 KB.
    vmin, vmax : float, optional
        Colour limits; default to the array's min and max.

    Examples
    --------
    >>> png_data_uri(np.eye(2)).startswith("data:image/png;base64,")
    True
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:  # (H, W, 3) colour in [0, 1]
        return _encode(Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8)))
    vmin = float(image.min()) if vmin is None else vmin
    vmax = float(image.max()) if vmax is None else vmax
    span = vmax - vmin if vmax > vmin else 1.0
    scaled = np.clip((image - vmin) / span, 0, 1)
    if cmap == "gray":
        return _encode(Image.fromarray((scaled * 255).round().astype(np.uint8), mode="L"))
    # 64 palette colours: indistinguishable from 256 here, and a 4x smaller palette chunk
    picture = Image.fromarray((scaled * (PALETTE - 1)).round().astype(np.uint8), mode="P")
    picture.putpalette(to_rgb(np.arange(PALETTE), cmap, 0, PALETTE - 1).tobytes())
    return _encode(picture)


def img(image, size=168, cmap="gray", vmin=None, vmax=None, title="", scale=None) -> str:
    """An ``<img>`` of a 2-D array: ``size`` CSS pixels on its longer side (or ``scale``
    CSS pixels per array element), drawn with crisp square pixels."""
    h, w = np.shape(image)[:2]
    scale = size / max(h, w) if scale is None else scale
    return (
        f'<figure class="cnn-fig"><img class="cnn-px" alt="{html.escape(title)}" '
        f'width="{round(w * scale)}" height="{round(h * scale)}" '
        f'src="{png_data_uri(image, cmap, vmin, vmax)}">{caption(title)}</figure>'
    )


def signed_img(image, size=168, title="", limit=None, scale=None) -> str:
    """An image of signed values: diverging colours centred at zero (blue < 0 < red)."""
    limit = signed_limit(image) if limit is None else limit
    return img(image, size, DIVERGING, -limit, limit, title, scale)


def caption(text: str) -> str:
    return f"<figcaption>{html.escape(text)}</figcaption>" if text else ""


def cell_style(rgb) -> str:
    """Inline style of a heat-map cell: its colour and the more readable text colour."""
    return f"background:#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x};color:{text_colour(rgb)}"


def heatmap_table(values, cmap: str = DIVERGING, limit=None, fmt: str = "{:.2g}", title="") -> str:
    """A table of numbers on coloured cells, e.g. a kernel with its values printed.

    With the default diverging map the colours are centred at zero
    (``vmin = -limit``, ``vmax = limit``), so the sign of each weight is visible.

    Examples
    --------
    >>> "<td" in heatmap_table([[1, -1]])
    True
    """
    values = np.asarray(values, dtype=np.float64)
    limit = signed_limit(values) if limit is None else limit
    vmin = -limit if cmap == DIVERGING else 0.0
    colours = to_rgb(values, cmap, vmin, limit)
    rows = []
    for r in range(values.shape[0]):
        cells = []
        for c in range(values.shape[1]):
            cells.append(f'<td style="{cell_style(colours[r, c])}">{fmt.format(values[r, c])}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = '<table class="cnn-heat">' + "".join(rows) + "</table>"
    return f'<figure class="cnn-fig">{table}{caption(title)}</figure>'


def bars(values, labels, lo: float, hi: float, highlight=None, fmt="{:.3f}", title="") -> str:
    """Horizontal bars for ``values`` on the axis [lo, hi] (``lo < 0`` draws signed bars).

    ``highlight`` is the index of a bar drawn in the accent colour and labelled
    "(true)" (e.g. the true class), so colour is not the only cue.
    The markup is terse on purpose: static pages hold hundreds of these charts.
    """
    zero = 100 * (0 - lo) / (hi - lo) if lo < 0 else 0.0
    rows = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        v = min(max(float(value), lo), hi)
        pos = 100 * (v - lo) / (hi - lo)
        left, width = min(zero, pos), abs(pos - zero)
        accent = ' class="hl"' if i == highlight else ""
        label = f"{label} (true)" if i == highlight else str(label)  # not by colour alone
        rows.append(
            f"<p{accent}><span>{html.escape(label)}</span><i><b{accent} "
            f'style="left:{left:.1f}%;width:{width:.1f}%"></b></i>'
            f"<code>{fmt.format(float(value))}</code></p>"
        )
    top = f'<div class="cnn-cap">{html.escape(title)}</div>' if title else ""
    return f'<div class="cnn-bars">{top}{"".join(rows)}</div>'


def note(text: str) -> str:
    """A short paragraph of (already safe) HTML text, e.g. a formula evaluated."""
    return f'<div class="cnn-note">{text}</div>'


def error(text: str) -> str:
    """A message shown in place of a view when the settings are invalid."""
    return f'<div class="cnn-note cnn-error">{html.escape(text)}</div>'


def feature_img(values, title="", **kwargs) -> str:
    """A feature map: grey from 0 to its max if it has no negative values, else diverging.

    The caption gets the value range, so a reader can compare maps whose
    colours were scaled differently.
    """
    values = np.asarray(values)
    lo, hi = float(values.min()), float(values.max())
    title = f"{title}, values {lo:.2g} to {hi:.2g}" if title else f"values {lo:.2g} to {hi:.2g}"
    if lo >= 0:
        return img(values, cmap="gray", vmin=0.0, vmax=max(hi, 1e-12), title=title, **kwargs)
    return signed_img(values, title=title, **kwargs)


def mosaic(tiles, cols: int, signed: bool, gap: int = 1, limit=None) -> np.ndarray:
    """Tile 2-D maps into one RGB image (white gaps), each map on its own colour scale.

    Signed maps use the diverging map centred at zero; non-negative ones grey
    from 0 to their max. ``limit`` puts every signed map on the common scale
    ``[-limit, limit]`` instead. Returns ``(rows*(h+gap)-gap, cols*(w+gap)-gap, 3)``
    floats in [0, 1], ready for :func:`img`.
    """
    tiles = [np.asarray(t, dtype=np.float64) for t in tiles]
    h, w = tiles[0].shape
    rows = -(-len(tiles) // cols)
    out = np.ones((rows * (h + gap) - gap, cols * (w + gap) - gap, 3))
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        if signed:
            top = signed_limit(tile) if limit is None else limit
            rgb = to_rgb(tile, DIVERGING, -top, top) / 255
        else:
            rgb = to_rgb(tile, "gray", 0.0, max(float(tile.max()), 1e-12)) / 255
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = rgb
    return out
