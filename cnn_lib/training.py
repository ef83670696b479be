"""The training loop: ``fit`` (``evaluate`` and ``predict`` live in ``evaluation``).

One training step is the whole of backpropagation in five lines::

    optimizer.zero_grad()                     # gradients accumulate: reset them
    outputs = model(x_batch)                  # forward
    value = loss(outputs, y_batch)            # how wrong?
    model.backward(loss.backward())           # gradients into every param.grad
    optimizer.step()                          # move the weights downhill

Taught in chapter 13, Training end to end (book/13_training_end_to_end.ipynb).
"""

from __future__ import annotations

import math
import time

import numpy as np
from tqdm.auto import tqdm

from cnn_lib import training_checks as checks
from cnn_lib._validation import check_positive_int
from cnn_lib.evaluation import _correct, eval_mode, evaluate, evaluate_loss, predict

__all__ = ["History", "fit", "evaluate", "predict", "eval_mode"]


class History:
    """Per-epoch metrics recorded by ``fit``.

    Attributes
    ----------
    history : dict of str -> list of float
        ``"loss"``, ``"accuracy"`` and, with validation data, ``"val_loss"``,
        ``"val_accuracy"``; one entry per epoch.
    epoch_times : list of float
        Wall-clock seconds per epoch.
    """

    def __init__(self, validation: bool = False, lr: bool = False):
        keys = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validation else [])
        keys += ["lr"] if lr else []
        self.history = {key: [] for key in keys}
        self.epoch_times = []

    @property
    def epochs(self) -> int:
        return len(self.history["loss"])

    def _record(self, logs: dict, seconds: float) -> None:
        for key, values in self.history.items():
            values.append(logs[key])
        self.epoch_times.append(seconds)

    def __repr__(self) -> str:
        last = "".join(f", {k}={v[-1]:.4f}" for k, v in self.history.items() if v)
        return f"History(epochs={self.epochs}{last})"


def _call(callbacks, hook: str, *args) -> None:
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is not None:
            method(*args)


def _weights_finite(model) -> bool:
    return all(np.isfinite(p.data).all() for p in model.parameters())


def _train_step(model, x_batch, y_batch, loss, optimizer):
    """The five lines of every textbook; returns the batch loss and the outputs."""
    optimizer.zero_grad()
    outputs = model(x_batch)
    value = loss(outputs, y_batch)
    model.backward(loss.backward())
    optimizer.step()
    return value, outputs


def _diverged(what: str, where: str) -> FloatingPointError:
    return FloatingPointError(
        f"{what} at {where}: training diverged "
        "(the inputs, labels and weights were finite before training); "
        "try a lower learning rate"
    )


def _run_epoch(model, data, loss, optimizer, order, batch_size, callbacks, bar, epoch):
    """One pass over the samples in ``order``; returns the summed loss and hits."""
    (x, y, transform), n_batches = data, math.ceil(len(order) / batch_size)
    total_loss = total_correct = 0.0
    for batch in range(n_batches):
        idx = order[batch * batch_size : (batch + 1) * batch_size]
        where = f"{epoch}, batch {batch + 1} of {n_batches}"
        try:
            x_batch = x[idx] if transform is None else transform(x[idx])
            value, outputs = _train_step(model, x_batch, y[idx], loss, optimizer)
        except ValueError as err:  # a layer or the loss refused its input
            if not _weights_finite(model):  # they were finite before training
                raise _diverged("the weights became NaN or infinite", where) from err
            err.add_note(f"(raised by the model or the loss at {where})")
            raise
        if not np.isfinite(value):
            raise _diverged(f"the loss became {value}", where)
        correct = _correct(outputs, y[idx], loss)
        total_loss, total_correct = total_loss + value * len(idx), total_correct + correct
        _call(callbacks, "on_batch_end", batch, {"loss": value, "accuracy": correct / len(idx)})
        seen = min((batch + 1) * batch_size, len(order))
        # refresh=False: the bar redraws at most every 0.1 s, not on every batch
        postfix = {"loss": f"{total_loss / seen:.4f}", "acc": f"{total_correct / seen:.3f}"}
        bar.set_postfix(postfix, refresh=False)
        bar.update()
    return total_loss, total_correct


def fit(
    model,
    x,
    y,
    *,
    loss,
    optimizer,
    epochs=1,
    batch_size=64,
    validation_data=None,
    shuffle=True,
    rng=None,
    callbacks=(),
    progress=True,
    scheduler=None,
    transform=None,
):
    """Train ``model`` with mini-batch gradient descent and return its ``History``.

    Parameters
    ----------
    model : Module
    x, y : array_like
        Training inputs and targets (class indices for ``CrossEntropyLoss``).
    loss : Loss
        E.g. ``CrossEntropyLoss()``.
    optimizer : Optimizer
        E.g. ``SGD(model.parameters(), lr=0.1)``.
    epochs : int, default 1
        Passes over the data (0 trains nothing).
    batch_size : int, default 64
    validation_data : (x_val, y_val), optional
        Evaluated (in eval mode) at the end of every epoch.
    shuffle : bool, default True
        Visit the samples in a new random order each epoch.
    rng : numpy.random.Generator or int, optional
        Source of the shuffling order.
    callbacks : sequence of objects
        Each may define ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
        ``on_batch_end(batch, logs)``, ``on_train_end(logs)`` (0-based counters).
        ``on_train_end`` runs even when an error stops training (with the logs
        of the last finished epoch); the error is raised after it.
    progress : bool, default True
        Show a tqdm progress bar per epoch (the notebook flavour in Jupyter).
    scheduler : LRScheduler, optional
        E.g. ``cnn_lib.optim.lr_scheduler.StepLR``; stepped after every epoch.
        The history then records the learning rate each epoch used, as ``"lr"``.
    transform : callable, optional
        Applied to every training batch, e.g. ``cnn_lib.transforms.RandomCrop``;
        never to the validation data.

    Returns
    -------
    History
        ``history.history["loss"]`` etc., one value per epoch; accuracies in [0, 1].

    Raises
    ------
    ValueError
        Before the first step, naming what is at fault: an argument, the inputs,
        the labels (validation data too) or weights that are already NaN.
        Errors raised later by the model carry a note naming epoch and batch.
    FloatingPointError
        If the loss or the weights become NaN or infinite: training diverged
        (the message names epoch and batch and suggests a lower learning rate).

    Notes
    -----
    The checks read each array once with ``min`` and ``max`` (NaN propagates).
    To skip the unused gradient with respect to the images, build the first
    convolution with ``needs_input_grad=False``; ``fit`` changes no layer.

    Shapes
    ------
    ``x: (N, ...)``, ``y: (N,)`` (or the shape the loss expects).

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> from cnn_lib.losses import CrossEntropyLoss
    >>> from cnn_lib.optim import SGD
    >>> model = Linear(2, 2, rng=0)
    >>> x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])
    >>> h = fit(model, x, y, loss=CrossEntropyLoss(), optimizer=SGD(model.parameters(), lr=1.0),
    ...         epochs=30, progress=False, rng=0)
    >>> h.history["accuracy"][-1]
    1.0
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    checks.check_tools(loss, optimizer)
    callbacks = checks.check_callbacks(callbacks)
    checks.check_weights(model)
    x, y = checks.check_split(model, x, y, loss, "x", "y")
    validation_data = checks.check_validation(model, validation_data, loss)
    rng = np.random.default_rng(rng)
    checks.check_schedule(optimizer, scheduler, transform)
    history = History(validation=validation_data is not None, lr=scheduler is not None)
    n_batches, logs = math.ceil(len(x) / batch_size), {}
    # One bar for the whole run, not one per epoch: a notebook keeps one small widget.
    bar = tqdm(total=epochs * n_batches, unit="batch", disable=not progress)
    try:
        for epoch in range(epochs):
            _call(callbacks, "on_epoch_begin", epoch, {})
            start_time = time.perf_counter()
            model.train()
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            where = f"epoch {epoch + 1} of {epochs}"
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            args = (order, batch_size, callbacks, bar, where)
            total_loss, correct = _run_epoch(model, (x, y, transform), loss, optimizer, *args)
            logs = {"loss": total_loss / len(x), "accuracy": correct / len(x)}
            if validation_data is not None:
                val_loss, val_accuracy = evaluate_loss(model, *validation_data, loss)
                logs.update(val_loss=val_loss, val_accuracy=val_accuracy)
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            if scheduler is not None:
                logs["lr"] = optimizer.lr  # the rate this epoch trained with
                scheduler.step()
            history._record(logs, time.perf_counter() - start_time)
            _call(callbacks, "on_epoch_end", epoch, dict(logs))
    finally:  # also when an error stops training: callbacks can close files
        bar.close()
        _call(callbacks, "on_train_end", dict(logs))
    return history
