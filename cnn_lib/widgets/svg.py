"""Tiny SVG drawing: line charts and grids as compact strings of markup.

SVG is text, scales crisply and weighs a few hundred bytes, so charts can be
precomputed for every slider position of a static page. ``Axes`` maps data
coordinates to pixels; the same ``Axes`` draws a chart and, separately, an
overlay (a moving marker) that the static panel stacks on top of it.
"""

from __future__ import annotations

import html
import math

import numpy as np

#: Line colours: Okabe and Ito's colour-blind-safe palette (blue, vermillion, green,
#: orange, purple); charts also tell lines apart by dashes and labels, never by colour alone.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#e69f00", "#cc79a7")


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) in [lo, hi].

    ``integer=True`` never steps by less than 1 (e.g. for epochs).

    Examples
    --------
    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    >>> nice_ticks(1, 3, integer=True)
    [1, 2, 3]
    """
    if hi <= lo:
        return [lo]
    raw = max((hi - lo) / max(count, 1), 1.0 if integer else 0.0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def svg(width: int, height: int, body: str, title: str = "", hidden: bool = False) -> str:
    """Wrap SVG elements into an ``<svg>`` of the given pixel size.

    ``title`` becomes its alternative text (``role="img"`` and ``aria-label``);
    ``hidden=True`` marks a decorative overlay whose content a text view says.
    """
    if hidden:
        label = ' aria-hidden="true"'
    else:
        label = f' role="img" aria-label="{html.escape(title or "chart")}"'
    return (
        f'<svg class="cnn-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"{label}>{body}</svg>'
    )


def text(x, y, content, anchor="middle", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>'
        f"{html.escape(str(content))}</text>"
    )


def rect(x, y, w, h, fill=None, stroke=None, extra="") -> str:
    """A rectangle; ``fill``/``stroke`` left out can come from a CSS class in ``extra``."""
    paint = (f' fill="{fill}"' if fill else "") + (f' stroke="{stroke}"' if stroke else "")
    return f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}"{paint}{extra}/>'


def grid_lines(x, y, rows, cols, cell, stroke="#8c959f") -> str:
    """The lines of a ``rows x cols`` grid of square cells as one ``<path>``."""
    d = "".join(f"M{x:g} {y + r * cell:g}h{cols * cell:g}" for r in range(rows + 1))
    d += "".join(f"M{x + c * cell:g} {y:g}v{rows * cell:g}" for c in range(cols + 1))
    return f'<path d="{d}" stroke="{stroke}" stroke-width="1" fill="none"/>'


class Axes:
    """Map data coordinates (``xlim``, ``ylim``) into a ``width x height`` pixel box.

    Examples
    --------
    >>> ax = Axes((0, 10), (0, 1), width=140, height=120)
    >>> ax.x(0), ax.y(1)
    (44.0, 20.0)
    """

    def __init__(self, xlim, ylim, width=320, height=200, title="", integer_x=False):
        self.integer_x = integer_x
        self.xlim = tuple(float(v) for v in xlim)
        self.ylim = tuple(float(v) for v in ylim)
        self.width, self.height, self.title = width, height, title
        self.left, self.right, self.top, self.bottom = 44, width - 10, 20, height - 32

    def x(self, v):
        lo, hi = self.xlim
        return round(self.left + (v - lo) / ((hi - lo) or 1) * (self.right - self.left), 1)

    def y(self, v):
        lo, hi = self.ylim
        return round(self.bottom - (v - lo) / ((hi - lo) or 1) * (self.bottom - self.top), 1)

    def frame(self, xlabel="", ylabel="") -> str:
        """Box, ticks, tick labels, axis labels and the title."""
        parts = [
            rect(
                self.left,
                self.top,
                self.right - self.left,
                self.bottom - self.top,
                fill="none",
                stroke="#8c959f",
            )
        ]
        for t in nice_ticks(*self.xlim, integer=self.integer_x):
            parts.append(text(self.x(t), self.bottom + 13, f"{t:g}"))
        for t in nice_ticks(*self.ylim, count=4):
            parts.append(text(self.left - 4, self.y(t) + 4, f"{t:g}", anchor="end"))
            parts.append(f'<path d="M{self.left} {self.y(t)}H{self.right}" stroke="#eaeef2"/>')
        if 0 >= self.ylim[0] and 0 <= self.ylim[1]:
            parts.append(f'<path d="M{self.left} {self.y(0)}H{self.right}" stroke="#8c959f"/>')
        parts.append(text((self.left + self.right) / 2, self.height - 4, xlabel))
        # The y label reads upwards, centred at (11, mid). Rotating about the origin
        # after moving it down by the height keeps the label's own x coordinates
        # positive: browsers measure a text's width in its own coordinates, and a
        # label that starts left of x = 0 there counts as horizontal overflow.
        mid = (self.top + self.bottom) / 2
        turn = f' transform="translate(0 {self.height}) rotate(-90)"'
        parts.append(text(self.height - mid, 11, ylabel, extra=turn))
        parts.append(text((self.left + self.right) / 2, 13, self.title, extra=' font-weight="600"'))
        return "".join(parts)

    def line(self, xs, ys, colour=COLOURS[0], dashed=False) -> str:
        points = " ".join(
            f"{self.x(a)},{self.y(b)}" for a, b in zip(xs, ys, strict=True) if np.isfinite(b)
        )
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'

    def dot(self, x, y, colour=COLOURS[1], r=4) -> str:
        return f'<circle cx="{self.x(x)}" cy="{self.y(y)}" r="{r}" fill="{colour}"/>'

    def legend(self, labels, colours, dashed=(), corner="upper left") -> str:
        """Line samples and labels in a corner: ``"upper left"``, ``"lower right"``, ..."""
        parts = []
        # About 6 px per character of the 11 px font: right-hand legends end inside the box.
        width = 28 + 6 * max((len(str(label)) for label in labels), default=0)
        x = self.left + 8 if "left" in corner else self.right - width
        for i, (label, colour) in enumerate(zip(labels, colours, strict=True)):
            y = self.top + 12 + 14 * i
            if "lower" in corner:
                y = self.bottom - 8 - 14 * (len(labels) - 1 - i)
            dash = ' stroke-dasharray="5 3"' if i in dashed else ""
            parts.append(f'<path d="M{x} {y - 4}h16" stroke="{colour}" stroke-width="2"{dash}/>')
            parts.append(text(x + 20, y, label, anchor="start"))
        return "".join(parts)

    def draw(self, body: str, alt: str = "") -> str:
        """An ``<svg>`` of this chart's size holding ``body``; ``alt`` (default: the
        title) is its alternative text."""
        return svg(self.width, self.height, body, alt or self.title)
