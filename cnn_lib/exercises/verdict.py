"""What a check says: a verdict as plain text and as a small HTML panel.

The same :class:`Verdict` prints as text in a terminal and shows as HTML in
Jupyter (and in the built book). Meaning is carried by words and a symbol
(✓ / ✗), never by colour alone; the colours pass WCAG AA contrast on white.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

SMALL = 64  # arrays with at most this many numbers are shown side by side

_STYLE = {
    True: ("#1b5e20", "#e8f5e9", "✓"),  # dark green text on pale green
    False: ("#8e1b1b", "#fdecea", "✗"),  # dark red text on pale red
}


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (where rich output can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show(obj) -> None:
    """Display ``obj`` richly in Jupyter, print it as text elsewhere."""
    if in_jupyter():
        from IPython.display import display

        display(obj)
    else:
        print(obj)


def _is_small(value) -> bool:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return False
    return array.dtype.kind in "biuf" and 0 < array.size <= SMALL and array.ndim <= 2


def _text(value) -> str:
    return np.array2string(np.asarray(value), precision=4, suppress_small=True)


@dataclass
class Verdict:
    """The outcome of :func:`cnn_lib.exercises.check`.

    ``bool(verdict)`` is whether the answer passed. ``lines`` say what was
    found, ``hint`` what to try next; ``expected`` and ``received`` are shown
    side by side when both are small arrays.
    """

    ok: bool
    label: str
    headline: str
    lines: list = field(default_factory=list)
    hint: str | None = None
    expected: object = None
    received: object = None

    def __bool__(self) -> bool:
        return self.ok

    def _side_by_side(self) -> bool:
        return _is_small(self.expected) and _is_small(self.received)

    def __repr__(self) -> str:
        symbol = _STYLE[self.ok][2]
        out = [f"{symbol} {self.label}: {self.headline}"]
        out += [f"  {line}" for line in self.lines]
        if self.hint:
            out.append(f"  Hint: {self.hint}")
        if self._side_by_side():
            out.append("  expected:")
            out += ["    " + row for row in _text(self.expected).splitlines()]
            out.append("  received:")
            out += ["    " + row for row in _text(self.received).splitlines()]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        ink, paper, symbol = _STYLE[self.ok]
        esc = html.escape
        parts = [
            f'<div role="status" style="border-left:6px solid {ink};background:{paper};'
            f'color:#1a1a1a;padding:6px 10px;margin:4px 0;font-family:sans-serif">',
            f'<strong style="color:{ink}">{symbol} {esc(self.label)}: {esc(self.headline)}'
            "</strong>",
        ]
        parts += [f"<div>{esc(line)}</div>" for line in self.lines]
        if self.hint:
            parts.append(f"<div><strong>Hint:</strong> {esc(self.hint)}</div>")
        if self._side_by_side():
            parts.append('<div style="display:flex;gap:2em;flex-wrap:wrap">')
            for title, value in (("expected", self.expected), ("received", self.received)):
                parts.append(
                    f"<figure style='margin:4px 0'><figcaption>{title}</figcaption>"
                    f"<pre style='margin:0'>{esc(_text(value))}</pre></figure>"
                )
            parts.append("</div>")
        parts.append("</div>")
        return "".join(parts)


@dataclass
class Hint:
    """One general hint for an exercise, numbered ("hint 1 of 3")."""

    label: str
    number: int
    total: int
    text: str

    def __repr__(self) -> str:
        return f"Hint {self.number} of {self.total} for {self.label}: {self.text}"

    def _repr_html_(self) -> str:
        return (
            '<div role="note" style="border-left:6px solid #0d47a1;background:#e3f2fd;'
            'color:#1a1a1a;padding:6px 10px;font-family:sans-serif">'
            f"<strong>Hint {self.number} of {self.total}</strong> for "
            f"{html.escape(self.label)}: {html.escape(self.text)}</div>"
        )
