"""``batchnorm_explorer``: one channel before and after batch norm, as the batch size changes.

Taught in chapter 16, Beyond LeNet (``book/16_beyond_lenet.ipynb``), and shown
in the explorer gallery. Notation: batch mean ``x̄_c``, variance ``var_c``, standard
deviation ``sd``; running statistics for ``eval()``.
The numbers come from ``cnn_lib.layers.BatchNorm2d`` itself.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.datasets import load_sample
from cnn_lib.functional import conv2d
from cnn_lib.layers.batchnorm import BatchNorm2d
from cnn_lib.widgets import markup, svg
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

BOX = np.full((3, 3), 1 / 9)  # a blur: the channel is the local brightness
RAW_BINS = np.linspace(0, 1, 21)
NORMAL_BINS = np.linspace(-3, 3, 25)
TOP = 0.6  # the bars' scale: the same in every frame, so frames compare
# Light and dark bars: each at least 3:1 against the white page and against each
# other (WCAG non-text contrast), so lightness, not hue, tells them apart.
LIGHT, DARK = "#4c9bd0", "#08306b"


def _channel(count=512):
    """One conv channel: blurred sample images, shape (count, 1, 26, 26)."""
    (x, _), _ = load_sample()
    return conv2d(x[:count].astype(np.float64), BOX[None, None])


def _histogram(values, highlight, bins, title, xlabel) -> str:
    """Bars of ``values`` over ``bins``; the first image's share drawn darker, at each foot."""
    counts = np.histogram(np.clip(values, bins[0], bins[-1]), bins)[0] / values.size
    mine = np.histogram(np.clip(highlight, bins[0], bins[-1]), bins)[0] / values.size
    ax = svg.Axes((bins[0], bins[-1]), (0, TOP), width=260, height=200, title=title)
    width = (ax.right - ax.left) / (len(bins) - 1)
    bars = []
    for lo, share, own in zip(bins[:-1], counts, mine, strict=True):
        top = ax.y(min(share, TOP))
        bars.append(svg.rect(ax.x(lo), top, width - 1, ax.bottom - top, fill=LIGHT))
        own_top = ax.y(min(own, TOP))
        bars.append(svg.rect(ax.x(lo), own_top, width - 1, ax.bottom - own_top, fill=DARK))
    body = ax.frame(xlabel, "share of values") + "".join(bars)  # bars over the grid lines
    legend = ax.legend(["whole batch (light)", "image 1 (dark)"], [LIGHT, DARK])
    alt = f"{title}: histogram of the batch's values, image 1's part dark at the foot of each bar"
    return svg.svg(260, 200, body + legend, title=alt)


def batchnorm_explorer(activations=None):
    """A batch-size slider and a batch choice -> a channel before and after ``BatchNorm2d``.

    Image 1 is the same in every batch; its share of the histogram (dark) moves
    when its batch companions change, in training mode, and stays put in
    evaluation mode, which uses the running statistics.

    Parameters
    ----------
    activations : ndarray of shape (N, 1, H, W), optional
        The channel to normalize. Default: 512 sample images blurred by a 3x3 box.

    Returns
    -------
    Explorer
        ``explorer.results`` holds the ``"batch"``, its ``"normalized"`` values,
        the batch ``"mean"`` and ``"std"``, and image 1's normalized values.
    """
    channel = _channel() if activations is None else np.asarray(activations, dtype=np.float64)
    full = BatchNorm2d(1, momentum=1.0)
    full(channel)  # momentum 1: the running statistics of the whole set
    sizes = [2, 8, 64, 256]
    controls = [
        slider("size", 2, 256, 1, default=8, static=sizes, label="batch size"),
        slider("draw", 0, 9, 1, default=0, static=[0, 1], label="which companions"),
        choice("mode", ["train", "eval"], kind="toggle", label="mode"),
    ]

    def compute(size, draw, mode):
        picks = np.random.default_rng(draw).choice(np.arange(1, len(channel)), size - 1, False)
        batch = channel[np.concatenate([[0], picks])]  # image 1 is always first
        layer = BatchNorm2d(1)
        layer.running_mean, layer.running_var = full.running_mean, full.running_var
        if mode == "eval":
            layer.eval()
        out = layer(batch)
        return {
            "batch": batch,
            "normalized": out,
            "first": out[0],
            "mean": float(batch.mean()),
            "std": float(batch.std()),
        }

    def show_before(size, draw, mode):
        r = compute(size, draw, mode)
        return _histogram(r["batch"], r["batch"][0], RAW_BINS, "before: blurred pixels", "value")

    def show_after(size, draw, mode):
        r = compute(size, draw, mode)
        return _histogram(
            r["normalized"], r["first"], NORMAL_BINS, f"after BatchNorm2d ({mode})", "normalized"
        )

    def show_note(size, draw, mode):
        r = compute(size, draw, mode)
        source = (
            f"this batch's statistics: x̄ = {r['mean']:.3f}, sd = {r['std']:.3f}"
            if mode == "train"
            else f"the running statistics: x̄ = {float(full.running_mean[0]):.3f}, "
            f"sd = {float(np.sqrt(full.running_var[0])):.3f}"
        )
        return markup.note(
            f"Normalized with {source}. Image 1's values after the layer have mean "
            f"{r['first'].mean():.3f}; in training mode that number changes with the "
            "companions, the more so the smaller the batch."
        )

    views = [
        View("before", lambda size, draw, **_: show_before(size, draw, "train"), ("size", "draw")),
        View("after", show_after),
        View("note", show_note),
    ]
    return Explorer(
        "Batch norm of one channel, batch by batch",
        controls,
        views,
        layout=[["before", "after"], ["note"]],
        compute=compute,
    )
