"""A convolution-arithmetic playground computed in the browser (chapter 4, padding and stride).

Unlike the other explorers, nothing here is precomputed: a few lines of
JavaScript (``playground.js``, inlined) redo the padding, the sliding window
and the output-size formula for whatever the sliders say. Python only writes
the panel, with small integer inputs so every cell can show its number, and a
handful of results computed by :func:`cnn_lib.functional.conv2d` so a test can
check that the browser agrees with the library.
"""

from __future__ import annotations

import html
import itertools
from functools import cache

import numpy as np

from cnn_lib.functional.conv import conv2d
from cnn_lib.functional.padding import conv_output_size
from cnn_lib.widgets import static
from cnn_lib.widgets.draw import DrawAndConvolve, draw_and_convolve  # the other in-browser panel
from cnn_lib.widgets.panel import ROOT_ATTRIBUTES, Panel, script_json

MAX_N, MAX_K = 9, 5
#: Input cells: small integers 0..4 in a pattern with no symmetry, so flips show.
INPUT = (np.add.outer(3 * np.arange(MAX_N), 2 * np.arange(MAX_N)) % 5).astype(np.int64)
#: Kernel weights: -1..2, not symmetric, so cross-correlation and convolution differ.
KERNEL = np.array(
    [
        [1, 0, -1, 2, 0],
        [2, 1, 0, -1, 1],
        [0, -1, 1, 0, 2],
        [1, 2, 0, 1, -1],
        [-1, 0, 2, 1, 0],
    ]
)
#: (name, label, min, max, default) of each slider, in the panel's order.
SLIDERS = (
    ("n", "input size H = W", 1, MAX_N, 5),
    ("k", "kernel size k", 1, MAX_K, 3),
    ("top", "padding p top", 0, 8, 0),
    ("bottom", "padding p bottom", 0, 8, 0),
    ("left", "padding p left", 0, 8, 0),
    ("right", "padding p right", 0, 8, 0),
    ("stride", "stride s", 1, 4, 1),
    ("dilation", "dilation d", 1, 3, 1),
)
DEFAULTS = {name: default for name, _, _, _, default in SLIDERS} | {"flip": False}
#: Settings whose results the panel embeds (computed by cnn_lib) for the tests.
CHECKS = (
    DEFAULTS,
    DEFAULTS | {"top": 1, "bottom": 2, "left": 0, "right": 1},
    DEFAULTS | {"n": 7, "stride": 2, "top": 1, "bottom": 1, "left": 1, "right": 1},
    DEFAULTS | {"n": 9, "k": 3, "dilation": 2, "stride": 2},
    DEFAULTS | {"n": 6, "k": 4, "flip": True, "left": 2, "right": 1},
)
_numbers = itertools.count(1)


@cache
def javascript() -> str:
    """The panel's script: the arithmetic, redone in the browser."""
    return (static.HERE / "playground.js").read_text(encoding="utf-8")


def reference(settings) -> dict:
    """What the panel should show for ``settings``, computed with cnn_lib.

    Asymmetric padding is done with ``np.pad`` first, since ``conv2d`` pads
    symmetrically; a flipped kernel makes a true convolution.

    Returns
    -------
    dict
        The ``settings`` and the ``output`` as nested lists of integers.

    Examples
    --------
    >>> reference(DEFAULTS)["size"]  # 5x5 input, 3x3 kernel, no padding
    [3, 3]
    """
    s = settings
    n, k = s["n"], s["k"]
    x = np.pad(INPUT[:n, :n], ((s["top"], s["bottom"]), (s["left"], s["right"])))
    w = KERNEL[:k, :k][::-1, ::-1] if s["flip"] else KERNEL[:k, :k]
    y = conv2d(
        x[None, None].astype(np.float64),
        w[None, None].astype(np.float64),
        stride=s["stride"],
        dilation=s["dilation"],
    )[0, 0]
    size = [
        conv_output_size(n + s["top"] + s["bottom"], k, s["stride"], 0, s["dilation"]),
        conv_output_size(n + s["left"] + s["right"], k, s["stride"], 0, s["dilation"]),
    ]
    return {"settings": dict(s), "size": size, "output": np.rint(y).astype(int).tolist()}


class ConvPlayground(Panel):
    """Convolution arithmetic with every number shown, computed live in the browser.

    Only a ``text/html`` representation: the panel's inline script runs in the
    built book and in trusted Jupyter outputs (JupyterLab runs inline scripts
    there), so the same panel serves both, with no Python kernel behind it.
    """

    title = "Convolution playground"

    def to_html(self) -> str:
        """The self-contained panel (fresh element id per call)."""
        payload = {
            "input": INPUT.tolist(),
            "kernel": KERNEL.tolist(),
            "checks": [reference(s) for s in CHECKS],
        }
        sliders = []
        for name, label, lo, hi, default in SLIDERS:
            sliders.append(_slider(name, label, lo, hi, default))
        buttons = "".join(
            f'<button type="button" data-preset="{p}" aria-pressed="false">{p}</button>'
            for p in ("valid", "same", "full")
        )
        scrubber = (
            '<button type="button" data-move="-1"><span aria-hidden="true">&#9664; </span>'
            "previous step</button>"
            + _slider("step", "step (output cell)", 0, 8, 0)
            + '<button type="button" data-move="1">next step<span aria-hidden="true"> '
            "&#9654;</span></button>"
        )
        uid = f"cnn-play-{next(_numbers)}"
        return (
            f'<div class="cnn-panel cnn-playground" id="{uid}" {ROOT_ATTRIBUTES} '
            f'aria-labelledby="{uid}-t"><style>{static.css()}{CSS}</style>'
            f'<div class="cnn-title" id="{uid}-t">{self.title}</div>'
            f'<div class="cnn-controls">{"".join(sliders)}</div>'
            f'<div class="cnn-controls"><span>padding preset:</span>{buttons}'
            '<label class="cnn-control"><input type="checkbox" data-flip> '
            "true convolution x &#8727; w (flip the kernel); off: cross-correlation "
            "x &#8902; w</label></div>"
            f'<div class="cnn-controls">{scrubber}</div>'
            '<div class="cnn-view" data-view="formula" aria-live="polite"></div>'
            '<div class="cnn-row" data-view="grids"></div>'
            f'<script type="application/json" class="cnn-data">{script_json(payload)}'
            f"</script><script>{javascript()}</script></div>"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sliders={[s[0] for s in SLIDERS]})"


CSS = (
    "table.cnn-grid{border-collapse:collapse}"
    "table.cnn-grid td{width:1.7em;height:1.7em;text-align:center;font-size:12px;"
    "border:1px solid #d0d7de;padding:0;font-variant-numeric:tabular-nums}"
    "table.cnn-grid td.cnn-pad{background:#f3f4f6;color:#57606a;font-style:italic}"
    "table.cnn-grid td.cnn-hl{background:#fdd8b5;color:#000;font-weight:600;"
    "outline:2px solid #f58518}"
    ".cnn-playground button{font-size:13px;padding:1px 8px}"
)


def _slider(name, label, lo, hi, value) -> str:
    label = html.escape(label)
    return (
        f'<label class="cnn-control"><span>{label}</span>'
        f'<input type="range" min="{lo}" max="{hi}" step="1" value="{value}" '
        f'aria-label="{label}" data-control="{name}"><output>{value}</output></label>'
    )


def conv_playground() -> ConvPlayground:
    """A convolution-arithmetic playground computed in the browser (chapter 4, padding and stride).

    Sliders for the input size, kernel size, padding on each side, stride and
    dilation; ``valid`` / ``same`` / ``full`` presets; a cross-correlation vs
    true-convolution toggle; a step scrubber that slides the kernel and
    highlights the receptive field of the current output cell; and the output
    size formula ``H_out = floor((H + p_top + p_bottom - d*(k-1) - 1)/s) + 1``
    evaluated live. The presets pad as ``scipy.signal`` / ``cnn_lib.functional``
    do: "same" puts the odd padding row/column of an even span at the bottom/right
    for cross-correlation and at the top/left for true convolution, so the
    output equals ``correlate2d(x, w, "same")`` / ``convolve2d(x, w, "same")``.
    Display it as the last expression of a cell (text/html only).

    Examples
    --------
    >>> "cnn-playground" in conv_playground().to_html()
    True
    """
    return ConvPlayground()


__all__ = ["ConvPlayground", "DrawAndConvolve", "conv_playground", "draw_and_convolve"]
