"""Matplotlib helpers for the book: images, kernels, feature maps, curves, confusion matrix.

Every function returns a ``matplotlib.figure.Figure`` that is *not* managed by
``pyplot``: in Jupyter it appears when it is the last expression of a cell
(never twice), and in a script you call ``fig.savefig(path)``. Conventions:
images in ``gray`` with 0 drawn black; signed values in ``RdBu_r`` centred at
zero (blue < 0 < red, a colour-blind-safe ColorBrewer map), printed numbers in
black or white by WCAG contrast; lines differ by marker and dash, not colour
alone. ``fig.alt_text`` describes each figure in one sentence (for a caption or
a cell's ``alt`` metadata). Used from chapter 2 (images) to chapter 13.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from cnn_lib._colour import text_colour
from cnn_lib._validation import as_float_array

DIVERGING = "RdBu_r"


def _grey_limits(x) -> tuple[float, float]:
    """``vmin, vmax`` that draw 0 black and 1 (or the largest value) white."""
    return min(float(np.min(x)), 0.0), max(float(np.max(x)), 1.0)


def _grid(count: int, ncols: int, size: float = 1.3, title=None):
    """A figure with ``count`` image axes in rows of ``ncols``, ticks off."""
    ncols = max(1, min(ncols, count))
    nrows = math.ceil(count / ncols)
    fig = Figure(figsize=(size * ncols + 0.4, size * nrows + (0.5 if title else 0.1)))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig, axes[:count]


def _maps(x, name: str) -> np.ndarray:
    """``(H, W)``, ``(N, H, W)`` or ``(N, 1, H, W)`` -> ``(N, H, W)``; ``(N, 3, H, W)`` kept."""
    x = as_float_array(x, name)
    if x.ndim == 2:
        return x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        return x[:, 0]
    if x.ndim == 3 or (x.ndim == 4 and x.shape[1] == 3):
        return x
    raise ValueError(
        f"{name} must be (H, W), (N, H, W), (N, 1, H, W) or (N, 3, H, W), got shape {x.shape}"
    )


def show_images(images, labels=None, class_names=None, ncols=8, title=None):
    """A grid of images in grey (or colour for 3 channels), each titled by its label.

    Parameters
    ----------
    images : array_like, shape (N, H, W), (N, 1, H, W) or (N, 3, H, W)
    labels : sequence of int, optional
    class_names : sequence of str, optional
        Names for the labels.
    ncols : int, default 8

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = show_images(np.zeros((3, 28, 28)), labels=[0, 1, 2])
    >>> len(fig.axes), fig.alt_text
    (3, '3 images in grey (black = 0, white = 1), titled by class.')
    """
    x = _maps(images, "images")
    fig, axes = _grid(len(x), ncols, title=title)
    lo, hi = _grey_limits(x)
    for i, ax in enumerate(axes):
        if x[i].ndim == 3:  # (3, H, W) colour
            ax.imshow(np.clip(np.transpose(x[i], (1, 2, 0)), 0, 1))
        else:
            ax.imshow(x[i], cmap="gray", vmin=lo, vmax=hi)
        if labels is not None:
            name = class_names[labels[i]] if class_names is not None else labels[i]
            ax.set_title(str(name), fontsize=9)
    colour = "in colour" if x.ndim == 4 else f"in grey (black = {lo:g}, white = {hi:g})"
    fig.alt_text = f"{len(x)} images {colour}" + (", titled by class" if labels else "") + "."
    return fig


def show_kernels(weights, values=True, ncols=8, title=None):
    """Kernels on a diverging colour map centred at zero, with their values printed.

    Parameters
    ----------
    weights : array_like
        ``(kH, kW)``, ``(N, kH, kW)`` or conv weights ``(C_out, C_in, kH, kW)``
        (one panel per output and input channel).
    values : bool, default True
        Print each weight (only for kernels up to 7x7).

    Returns
    -------
    Figure
        All panels share the limits ``[-m, m]`` with ``m = max |weight|``.

    Examples
    --------
    >>> fig = show_kernels(np.array([[-1.0, 0.0, 1.0]] * 3))
    >>> fig.axes[0].images[0].get_clim()
    (-1.0, 1.0)
    """
    w = as_float_array(weights, "weights")
    if w.ndim == 4:
        w = w.reshape(-1, *w.shape[2:])
    elif w.ndim == 2:
        w = w[None]
    elif w.ndim != 3:
        raise ValueError(f"weights must be 2-D, 3-D or 4-D, got shape {w.shape}")
    m = max(float(np.abs(w).max()), 1e-12)
    fig, axes = _grid(len(w), ncols, size=1.6, title=title)
    for k, ax in zip(w, axes, strict=True):
        image = ax.imshow(k, cmap=DIVERGING, vmin=-m, vmax=m)
        if values and max(k.shape) <= 7:
            for (r, c), v in np.ndenumerate(k):
                colour = text_colour(np.asarray(image.to_rgba(v, bytes=True))[:3])
                ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=8, color=colour)
    fig.alt_text = f"{len(w)} kernels {w.shape[1]}x{w.shape[2]}: blue < 0 < red, limits {m:.2g}."
    return fig


def show_feature_maps(maps, ncols=8, title=None):
    """Every channel of a feature map, each on its own grey scale.

    Parameters
    ----------
    maps : array_like, shape (C, H, W) or (1, C, H, W)

    Examples
    --------
    >>> len(show_feature_maps(np.random.default_rng(0).random((1, 4, 5, 5))).axes)
    4
    """
    x = as_float_array(maps, "maps")
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"maps must be (C, H, W) or (1, C, H, W), got shape {x.shape}")
    fig, axes = _grid(len(x), ncols, title=title)
    for c, ax in enumerate(axes):
        ax.imshow(x[c], cmap="gray", vmin=min(float(x[c].min()), 0.0))
        ax.set_title(f"channel {c}", fontsize=8)
    fig.alt_text = f"{len(x)} feature maps, grey from black (0 or below) to white (each max)."
    return fig


def plot_history(history, title=None):
    """Loss and accuracy per epoch (training solid, validation dashed).

    Parameters
    ----------
    history : History or dict of lists
        ``fit``'s result, keys ``loss``, ``accuracy`` and optionally ``val_*``.

    Examples
    --------
    >>> fig = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    h = getattr(history, "history", history)
    fig = Figure(figsize=(9, 3.2))
    fig.set_layout_engine("constrained")
    for ax, key in zip(fig.subplots(1, 2), ("loss", "accuracy"), strict=True):
        for prefix, style, label in (("", "o-", "training"), ("val_", "s--", "validation")):
            values = h.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=label)
        ax.set(xlabel="epoch", ylabel=key)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.alt_text = "Loss and accuracy per epoch: training solid with circles, validation dashed."
    return fig


def confusion_matrix(y_true, y_pred, num_classes=None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 1, 0])
    array([[1, 0],
           [1, 1]])
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and "
            f"{y_pred.shape}"
        )
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False, title=None):
    """The confusion matrix as a heat map with the counts (or row fractions) printed.

    Parameters
    ----------
    normalize : bool, default False
        Show each row as fractions of the true class (the per-class recall on
        the diagonal).

    Examples
    --------
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], class_names=["a", "b"])
    >>> fig.axes[0].get_xlabel()
    'predicted class'
    """
    n = len(class_names) if class_names is not None else None
    counts = confusion_matrix(y_true, y_pred, n)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    names = class_names if class_names is not None else [str(i) for i in range(len(counts))]
    fig = Figure(figsize=(0.55 * len(counts) + 2.5, 0.5 * len(counts) + 1.6))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    for (i, j), v in np.ndenumerate(shown):
        if counts[i, j]:
            text = f"{v:.2f}" if normalize else str(v)
            colour = text_colour(np.asarray(image.to_rgba(v, bytes=True))[:3])
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title or "")
    fig.colorbar(image, ax=ax, shrink=0.8, label="fraction" if normalize else "count")
    right, total = int(np.trace(counts)), int(counts.sum())
    fig.alt_text = f"Confusion matrix, true class by row: {right} of {total} on the diagonal."
    return fig
