"""Training curves: ``TrainingMonitor`` (live, a ``fit`` callback) and ``training_explorer``.

Used in chapter 13 (training end to end): ``fit(..., callbacks=[monitor])``
draws the curves while training runs and leaves their static copy in the book.
"""

from __future__ import annotations

import time

import ipywidgets as w
import numpy as np
from IPython import get_ipython
from IPython.display import display
from ipywidgets.widgets.widget_string import HTMLStyle

from cnn_lib._validation import check_choice, check_positive_int
from cnn_lib.widgets import markup, static, svg
from cnn_lib.widgets.controls import slider
from cnn_lib.widgets.explorer import Explorer, View
from cnn_lib.widgets.panel import Panel

PAIRS = (("loss", "val_loss", "cross-entropy loss"), ("accuracy", "val_accuracy", "accuracy"))


def _as_dict(history) -> dict:
    """``History`` or dict of lists -> dict of float lists (one entry per epoch)."""
    data = getattr(history, "history", history)
    if not isinstance(data, dict) or not data.get("loss"):
        raise ValueError(
            "history must be a History returned by fit (or a dict of per-epoch lists) "
            f"with at least one epoch of 'loss', got {history!r}"
        )
    return {key: [float(v) for v in values] for key, values in data.items()}


def curves(history: dict, upto=None, total=None) -> str:
    """Two SVG charts (loss, accuracy) of the first ``upto`` epochs, axes fixed for ``total``."""
    epochs = len(history["loss"])
    upto = epochs if upto is None else upto
    total = max(total or epochs, 2)
    charts = []
    for train_key, val_key, name in PAIRS:
        keys = [k for k in (train_key, val_key) if history.get(k)]
        if not keys:
            continue
        everything = np.concatenate([history[k] for k in keys])
        top = 1.0 if "accuracy" in train_key else float(np.nanmax(everything)) * 1.05 or 1.0
        ax = svg.Axes((1, total), (0, top), width=330, height=210, title=name, integer_x=True)
        body = ax.frame("epoch", "")
        for i, key in enumerate(keys):
            values = history[key][:upto]
            xs = np.arange(1, len(values) + 1)
            body += ax.line(xs, values, svg.COLOURS[i], dashed=i == 1)
            if values:
                body += ax.dot(xs[-1], values[-1], svg.COLOURS[i], r=3.5)
        labels = ["training (solid)", "validation (dashed)"][: len(keys)]
        corner = "lower right" if "accuracy" in train_key else "upper right"  # away from curves
        body += ax.legend(labels, list(svg.COLOURS[: len(keys)]), dashed=(1,), corner=corner)
        last = "; ".join(f"{k} {history[k][:upto][-1]:.3g}" for k in keys if history[k][:upto])
        alt = f"Line chart of the {name} per epoch, epochs 1 to {upto}; last values: {last}"
        charts.append(ax.draw(body, alt))
    return "".join(charts)


def summary(history: dict, epoch: int) -> str:
    """The metrics of epoch ``epoch`` (1-based) as one line of text."""
    parts = [f"{key} {values[epoch - 1]:.4f}" for key, values in history.items() if values]
    return markup.note(f"epoch {epoch}: " + ", ".join(parts))


def training_explorer(history):
    """An epoch slider over a recorded ``History``: the curves up to that epoch.

    Parameters
    ----------
    history : History or dict of lists
        What ``fit`` returned (``history.history["loss"]`` etc.).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> ex = training_explorer({"loss": [1.0, 0.5], "accuracy": [0.6, 0.8]})
    >>> "epoch 2: loss 0.5000" in ex.render_view("summary", epoch=2)
    True
    """
    data = _as_dict(history)
    epochs = len(data["loss"])
    step = max(1, -(-epochs // 40))
    shown = sorted(set(range(1, epochs + 1, step)) | {epochs})
    controls = [slider("epoch", 1, epochs, default=epochs, static=shown, label="up to epoch")]
    views = [
        View("curves", lambda epoch: curves(data, epoch, epochs)),
        View("summary", lambda epoch: summary(data, epoch)),
    ]
    return Explorer("Training history", controls, views, layout=[["curves"], ["summary"]])


class TrainingMonitor(Panel):
    """A ``fit`` callback that draws the loss and accuracy curves while training runs.

    In Jupyter the curves update after every epoch and a status line every
    ``every`` batches (next to ``fit``'s own progress bar). When training ends,
    the output becomes a :func:`training_explorer` of the run, which the built
    book shows as a static epoch slider.

    Parameters
    ----------
    every : int, default 10
        Batches between two updates of the status line.
    leave : {"curves", "summary"}, default "curves"
        What the saved notebook and the book keep once training ends: the
        curves with an epoch slider, or only the last epoch's metrics (when a
        later cell replays the run anyway, e.g. ``training_run_explorer``).

    Attributes
    ----------
    history : dict of str -> list of float
        The per-epoch metrics ``fit`` reported.

    Examples
    --------
    >>> monitor = TrainingMonitor()
    >>> monitor.on_epoch_end(0, {"loss": 0.9, "accuracy": 0.7})
    >>> monitor.history
    {'loss': [0.9], 'accuracy': [0.7]}
    """

    title = "Training monitor"

    def __init__(self, every=10, leave="curves"):
        self.every = check_positive_int(every, "every")
        self.leave = check_choice(leave, ("curves", "summary"), "leave")
        self.history = {}
        self.last_update_seconds = 0.0
        self._epoch, self._seen, self._sum = 0, 0, {}
        self._status = self._charts = self._box = self._handle = None

    # --- the callback protocol of cnn_lib.fit --------------------------------
    def on_epoch_begin(self, epoch, logs):
        self._epoch, self._seen, self._sum = epoch, 0, {}
        if self._handle is None:
            self._handle = _display_in_notebook(self)

    def on_batch_end(self, batch, logs):
        self._seen += 1
        for key, value in logs.items():
            self._sum[key] = self._sum.get(key, 0.0) + float(value)
        if self._seen % self.every == 0 and self._status is not None:
            running = ", ".join(f"{k} {v / self._seen:.4f}" for k, v in self._sum.items())
            self._status.value = markup.note(
                f"epoch {self._epoch + 1}, batch {batch + 1}: running {running}"
            )

    def on_epoch_end(self, epoch, logs):
        start = time.perf_counter()
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        if self._charts is not None:
            self._charts.value = curves(self.history)
            self._status.value = summary(self.history, len(self.history["loss"]))
        self.last_update_seconds = time.perf_counter() - start

    def on_train_end(self, logs):
        if self._handle is not None:  # the saved notebook keeps the final curves
            self._handle.update(self)

    # --- display -------------------------------------------------------------
    def widget(self):
        """The live view: a status line and the curves (ipywidgets)."""
        if self._box is None:
            shared = {"layout": w.Layout(), "style": HTMLStyle()}  # fewer stored models
            header = f'<style>{static.css()}</style><div class="cnn-title">Training monitor</div>'
            self._status = w.HTML(markup.note("waiting for the first epoch"), **shared)
            self._charts = w.HTML(curves(self.history) if self.history else "", **shared)
            parts = [w.HTML(header, **shared), self._status, self._charts]
            self._box = w.VBox(parts, layout=shared["layout"])
        return self._box

    def to_html(self) -> str:
        """Static fallback: a :func:`training_explorer` of the epochs recorded so far."""
        if not self.history.get("loss"):
            return markup.note("Training monitor: no epoch finished yet.")
        if self.leave == "summary":
            return summary(self.history, len(self.history["loss"]))
        return training_explorer(self.history).to_html()

    def __repr__(self) -> str:
        return f"TrainingMonitor(epochs={len(self.history.get('loss', []))})"


def _display_in_notebook(obj):
    """Display ``obj`` with an updatable handle when running in a Jupyter kernel, else None."""
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return display(obj, display_id=True)
