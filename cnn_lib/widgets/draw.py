"""Bring your own image and kernel: draw a digit, pick a 3x3 kernel, see the feature map.

Used in chapter 3 (convolution).

The panel is computed in the browser (``draw.js``, inlined): the reader draws
on a 28x28 canvas (or picks a sample image), edits the nine kernel weights or
picks a preset, and a small JavaScript ``correlate2d`` redraws the feature map
with a diverging colour scale centred at zero. The page also carries the
Python result :func:`cnn_lib.functional.correlate2d` for the default kernel, so
a browser test can check that the two agree.
"""

from __future__ import annotations

import html
import itertools
from functools import cache

import numpy as np

from cnn_lib.datasets import class_names, load_sample
from cnn_lib.functional.correlate import correlate2d
from cnn_lib.widgets import static
from cnn_lib.widgets.panel import ROOT_ATTRIBUTES, Panel, script_json

#: 3x3 kernels offered as presets (exact decimals, so the number boxes stay short).
KERNELS = {
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur": [[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125], [0.0625, 0.125, 0.0625]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}
DEFAULT_KERNEL = "Sobel x"
MODES = ("valid", "same")
DECIMALS = 4  # sample pixels are exported rounded to this; the reference uses the same values
_numbers = itertools.count(1)


@cache
def javascript() -> str:
    """The panel's script: drawing, the kernel inputs and a JavaScript correlate2d."""
    return (static.HERE / "draw.js").read_text(encoding="utf-8")


def default_images(count: int = 6):
    """The first test image of each of ``count`` classes of the embedded sample, and names."""
    _, (x, y) = load_sample()
    names = class_names("sample")
    picks = [int(np.flatnonzero(y == label)[0]) for label in range(count)]
    return x[picks, 0], [f"sample {i + 1} ({names[y[p]]})" for i, p in enumerate(picks)]


def _check_images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]  # (K, 1, H, W) -> (K, H, W)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3 or images.shape[0] == 0 or min(images.shape[1:]) < 3:
        raise ValueError(
            "images must have shape (K, H, W) or (K, 1, H, W) with H, W >= 3, "
            f"got shape {images.shape}"
        )
    return images


class DrawAndConvolve(Panel):
    """A drawing canvas, a 3x3 kernel and the feature map, computed in the browser.

    Only a ``text/html`` representation: the inline script runs in the built
    book and in trusted Jupyter outputs.
    """

    title = "Draw and convolve"

    def __init__(self, images=None):
        if images is None:
            images, names = default_images()
        else:
            images = _check_images(images)
            names = [f"image {i + 1}" for i in range(len(images))]
        self.images = np.round(np.asarray(images, dtype=np.float64), DECIMALS)
        self.names = names

    def reference(self, kernel=DEFAULT_KERNEL) -> dict:
        """``correlate2d(image, kernel, mode)`` for every image and mode, as nested lists."""
        k = np.asarray(KERNELS[kernel], dtype=np.float64)
        return {
            mode: [np.round(correlate2d(x, k, mode), 6).tolist() for x in self.images]
            for mode in MODES
        }

    def to_html(self) -> str:
        """The self-contained panel (fresh element id per call)."""
        payload = {
            "images": self.images.tolist(),
            "names": self.names,
            "kernels": KERNELS,
            "defaultKernel": DEFAULT_KERNEL,
            "reference": self.reference(),
        }
        last = len(self.images) - 1
        default = KERNELS[DEFAULT_KERNEL]
        boxes = "".join(
            f'<input type="number" step="0.25" value="{default[i // 3][i % 3]}" '
            f'data-weight="{i}" aria-label="kernel weight row {i // 3} column {i % 3}">'
            for i in range(9)
        )
        presets = "".join(
            f'<button type="button" data-kernel="{html.escape(n)}">{html.escape(n)}</button>'
            for n in KERNELS
        )
        options = "".join(f'<option value="{m}">{m}</option>' for m in MODES)
        uid = f"cnn-draw-{next(_numbers)}"
        return (
            f'<div class="cnn-panel cnn-draw" id="{uid}" {ROOT_ATTRIBUTES} '
            f'aria-labelledby="{uid}-t"><style>{static.css()}{CSS}</style>'
            f'<div class="cnn-title" id="{uid}-t">{self.title}</div>'
            '<div class="cnn-controls"><label class="cnn-control"><span>sample image</span>'
            f'<input type="range" min="0" max="{last}" step="1" value="0" '
            'aria-label="sample image" data-control="sample"><output></output></label>'
            '<button type="button" data-clear>clear (draw your own)</button>'
            '<label class="cnn-control"><span>mode</span>'
            f"<select data-mode>{options}</select></label></div>"
            '<div class="cnn-row">'
            '<div data-view="input"><figure class="cnn-fig">'
            '<canvas data-draw class="cnn-px" tabindex="0" role="img" '
            'aria-label="drawing canvas"></canvas>'
            "<figcaption></figcaption></figure></div>"
            '<div><div class="cnn-cap">3\u00d73 kernel w (x \u22c6 w)</div>'
            f'<div class="cnn-kernel">{boxes}</div><div class="cnn-presets">{presets}</div></div>'
            '<div data-view="feature"><figure class="cnn-fig">'
            '<canvas data-feature class="cnn-px" role="img" aria-label="feature map"></canvas>'
            "<figcaption></figcaption></figure></div></div>"
            '<script type="application/json" class="cnn-data">'
            f"{script_json(payload)}</script>"
            f"<script>{javascript()}</script></div>"
        )

    def __repr__(self) -> str:
        h, w = self.images.shape[1:]
        return f"{type(self).__name__}(images={len(self.images)} of {h}x{w})"


CSS = (
    ".cnn-draw canvas[data-draw]{cursor:crosshair;touch-action:none}"
    ".cnn-kernel{display:grid;grid-template-columns:repeat(3,3.6em);gap:3px;margin:4px 0}"
    ".cnn-kernel input{width:3.6em;font-size:13px}"
    ".cnn-presets{display:flex;flex-wrap:wrap;gap:3px;max-width:11.5em}"
    ".cnn-draw button{font-size:13px;padding:1px 6px}"
    ".cnn-draw .cnn-fig figcaption{max-width:180px}"
)


def draw_and_convolve(images=None) -> DrawAndConvolve:
    """Draw a digit (or pick a sample), choose a 3x3 kernel, see its feature map.

    Parameters
    ----------
    images : array_like, shape ``(K, H, W)`` or ``(K, 1, H, W)``, optional
        Images in ``[0, 1]`` to offer; default six test images of the
        embedded Fashion-MNIST sample (:func:`cnn_lib.datasets.load_sample`).

    Returns
    -------
    DrawAndConvolve
        Display it as the last expression of a cell (text/html only).

    Examples
    --------
    >>> panel = draw_and_convolve(np.zeros((2, 28, 28)))
    >>> len(panel.reference()["same"]), np.shape(panel.reference()["valid"][0])
    (2, (26, 26))
    """
    return DrawAndConvolve(images)


__all__ = ["DrawAndConvolve", "draw_and_convolve"]
