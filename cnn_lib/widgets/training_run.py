"""Replay a recorded training run: curves, first-layer kernels and confusion matrix per epoch.

``ConfusionSnapshots`` is a ``fit`` callback that counts the validation confusion
matrix after every epoch; ``training_run_explorer`` puts one epoch slider over
the history, the kernel snapshots and those matrices, so all three views move
together. Everything is recorded during ``fit``: the book page only replays it.
Used in chapter 13 (training end to end).
"""

from __future__ import annotations

import html

import numpy as np

from cnn_lib._validation import check_labels, check_positive_int
from cnn_lib.evaluation import predict
from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import slider
from cnn_lib.widgets.explorer import Explorer, View
from cnn_lib.widgets.monitor import _as_dict, curves, summary

_TH = '<th style="font-weight:normal;font-size:11px;padding:0 4px;text-align:{}">{}</th>'


class ConfusionSnapshots:
    """A ``fit`` callback that records the confusion matrix on ``(x_val, y_val)`` after each epoch.

    Parameters
    ----------
    model : Module
        The network being trained (predictions are made in eval mode).
    x_val : ndarray, shape (N, ...)
    y_val : ndarray of int, shape (N,)
    num_classes : int, optional
        Default: ``y_val.max() + 1``.

    Attributes
    ----------
    matrices : list of ndarray, shape (num_classes, num_classes), int64
        ``matrices[e - 1][i, j]`` counts the images of true class ``i`` predicted
        as class ``j`` after epoch ``e``.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> snaps = ConfusionSnapshots(Linear(2, 3, rng=0), np.zeros((4, 2)), np.array([0, 1, 2, 0]))
    >>> snaps.on_epoch_end(0, {})
    >>> int(snaps.matrices[0].sum()), snaps.matrices[0].shape
    (4, (3, 3))
    """

    def __init__(self, model, x_val, y_val, num_classes=None):
        y_val = np.asarray(y_val)
        if num_classes is None:
            num_classes = int(y_val.max(initial=0)) + 1 if y_val.dtype.kind in "iu" else 1
        self.num_classes = check_positive_int(num_classes, "num_classes")
        self.y_val = check_labels(y_val, self.num_classes, "y_val")
        if len(x_val) != len(self.y_val):
            raise ValueError(
                f"x_val and y_val must hold the same number of samples, got {len(x_val)} "
                f"and {len(self.y_val)}"
            )
        self.model, self.x_val = model, x_val
        self.matrices = []

    def on_epoch_end(self, epoch, logs):
        k = self.num_classes
        pred = predict(self.model, self.x_val)
        if pred.size and pred.max() >= k:
            raise ValueError(f"the model predicted class {pred.max()}, but num_classes is {k}")
        # Pair (true i, predicted j) gets the number i * k + j; counting those numbers
        # once with bincount fills the whole k x k matrix without a loop.
        counts = np.bincount(self.y_val * k + pred, minlength=k * k)
        self.matrices.append(counts.reshape(k, k))

    def __repr__(self) -> str:
        return f"ConfusionSnapshots({len(self.matrices)} epochs, {len(self.y_val)} samples)"


def kernels_image(weights, limit, title) -> str:
    """All first-layer kernels as one small PNG: diverging colours on the scale ``limit``."""
    c_out, c_in = weights.shape[:2]
    cols = c_in if c_in > 1 else int(np.ceil(np.sqrt(c_out)))  # colour: one row per kernel
    picture = markup.mosaic(weights.reshape(-1, *weights.shape[2:]), cols, signed=True, limit=limit)
    return markup.img(picture, size=200, title=title)


def confusion_table(counts, class_names, title) -> str:
    """Counts on blue cells (white = 0), with a header column of class names."""
    top = max(int(counts.max()), 1)
    table = markup.heatmap_table(counts, cmap="Blues", limit=top, fmt="{:.0f}", title=title)
    head, *rows = table.split("<tr>")  # put a header cell in front of every row
    numbers = "".join(_TH.format("center", j) for j in range(len(class_names)))
    labels = [
        _TH.format("right", html.escape(f"{name} ({i})")) for i, name in enumerate(class_names)
    ]
    body = "".join(f"<tr>{label}{row}" for label, row in zip(labels, rows, strict=True))
    return f"{head}<tr>{_TH.format('center', '')}{numbers}</tr>{body}"


def training_run_explorer(history, kernels, confusions, class_names=None):
    """One epoch slider over a recorded run: curves, first-layer kernels, confusion matrix.

    Parameters
    ----------
    history : History or dict of lists
        What ``fit`` returned: ``E`` epochs of ``loss`` (and ``val_loss`` etc.).
    kernels : KernelSnapshots or sequence of ndarray
        First-layer weights ``(C_out, C_in, kH, kW)``: ``E + 1`` snapshots (the
        first before training) or ``E`` (after each epoch).
    confusions : ConfusionSnapshots or sequence of ndarray
        ``E`` validation confusion matrices ``(K, K)``, one after each epoch.
    class_names : sequence of str, optional
        ``K`` names for the rows of the confusion matrix (default ``"class i"``).

    Returns
    -------
    Explorer
        ``explorer.results`` holds the ``"weights"`` and ``"confusion"`` shown.

    Examples
    --------
    >>> hist = {"loss": [1.0, 0.5], "val_accuracy": [0.5, 1.0]}
    >>> ws = [np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))]
    >>> ex = training_run_explorer(hist, ws, [np.eye(2, dtype=int), 2 * np.eye(2, dtype=int)])
    >>> ex.set(epoch=2)
    >>> int(ex.results["confusion"].trace())
    4
    """
    data = _as_dict(history)
    epochs = len(data["loss"])
    snaps = [np.asarray(w, dtype=np.float64) for w in getattr(kernels, "snapshots", kernels)]
    if len(snaps) not in (epochs, epochs + 1) or any(
        w.ndim != 4 or w.shape != snaps[0].shape for w in snaps
    ):
        raise ValueError(
            f"kernels must be {epochs} or {epochs + 1} weights (C_out, C_in, kH, kW) of one "
            f"shape for {epochs} epochs, got shapes {[w.shape for w in snaps]}"
        )
    offset = len(snaps) - epochs  # 1 when snaps[0] is the weight before training
    mats = [np.asarray(m) for m in getattr(confusions, "matrices", confusions)]
    k = len(mats[0]) if mats else 0
    if len(mats) != epochs or any(m.shape != (k, k) for m in mats):
        raise ValueError(
            f"confusions must be {epochs} square matrices (one per epoch), got shapes "
            f"{[m.shape for m in mats]}"
        )
    names = [f"class {i}" for i in range(k)] if class_names is None else list(class_names)
    if len(names) != k:
        raise ValueError(f"class_names must have {k} entries, got {len(names)}")
    limit = markup.signed_limit(*snaps)  # one colour scale for every epoch
    step = max(1, -(-epochs // 40))  # at most ~40 precomputed epochs for the book page
    shown = sorted(set(range(1, epochs + 1, step)) | {epochs})
    controls = [slider("epoch", 1, epochs, default=epochs, static=shown, label="after epoch")]

    def compute(epoch):
        return {"weights": snaps[epoch - 1 + offset], "confusion": mats[epoch - 1]}

    def show_kernels(epoch):
        weights = compute(epoch)["weights"]
        title = f"{len(weights)} first-layer kernels, scale \u00b1{limit:.2f} for every epoch"
        return kernels_image(weights, limit, title)

    def show_confusion(epoch):
        counts = compute(epoch)["confusion"]
        right, total = int(np.trace(counts)), int(counts.sum())
        title = (
            f"validation set, rows: true class, columns: predicted; "
            f"{right} of {total} on the diagonal"
        )
        return confusion_table(counts, names, title)

    views = [
        View("curves", lambda epoch: curves(data, epoch, epochs)),
        View("kernels", show_kernels),
        View("confusion", show_confusion),
        View("summary", lambda epoch: summary(data, epoch)),
    ]
    layout = [["curves"], ["kernels", "confusion"], ["summary"]]
    return Explorer(
        "A training run, epoch by epoch", controls, views, layout=layout, compute=compute
    )
