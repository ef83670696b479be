"""The training loop: ``fit`` (``evaluate`` and ``predict`` live in ``evaluation``).

One training step is the whole of backpropagation in four lines::

    outputs = model(x_batch)                  # forward
    value = loss(outputs, y_batch)            # how wrong?
    model.backward(loss.backward())           # gradients into every param.grad
    optimizer.step()                          # move the weights downhill

``fit`` repeats it over shuffled mini-batches and records the metrics.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import numpy as np
from tqdm.auto import tqdm

from cnn_lib._validation import check_positive_int
from cnn_lib.evaluation import _check_data, _correct, eval_mode, evaluate, evaluate_loss, predict
from cnn_lib.layers.sequential import Sequential

__all__ = ["History", "fit", "evaluate", "predict", "eval_mode"]

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_end", "on_train_end")


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


def _check_callbacks(callbacks):
    if any(hasattr(callbacks, hook) for hook in _HOOKS):
        callbacks = (callbacks,)  # a single callback object
    callbacks = tuple(callbacks)
    for i, callback in enumerate(callbacks):
        if not any(hasattr(callback, hook) for hook in _HOOKS):
            raise ValueError(
                f"callbacks[{i}] must have at least one of {', '.join(_HOOKS)}, got {callback!r}"
            )
    return callbacks


def _diverged(model, outputs) -> bool:
    """True if the weights or the outputs hold NaN or infinity."""
    arrays = [p.data for p in model.parameters()] + ([] if outputs is None else [outputs])
    return not all(np.isfinite(a).all() for a in arrays)


@contextmanager
def _input_gradient_skipped(model):
    """Let the first layer skip d(loss)/d(input) for a block, then restore its switch.

    ``fit`` throws the input gradient away (the data is not trained), so a
    first layer with a ``needs_input_grad`` switch, such as ``Conv2d``, can
    skip its most expensive backward product, as PyTorch does for an input
    that does not require a gradient.
    """
    first = model
    while isinstance(first, Sequential) and len(first) > 0:
        first = first[0]
    previous = getattr(first, "needs_input_grad", None)
    if previous is None:
        yield
        return
    first.needs_input_grad = False
    try:
        yield
    finally:
        first.needs_input_grad = previous


def _train_step(model, xb, yb, loss, optimizer, where: str):
    """One forward/backward/update; returns the batch loss and the outputs."""
    optimizer.zero_grad()
    outputs = None
    try:
        outputs = model(xb)
        value = loss(outputs, yb)
        if np.isfinite(value):
            with _input_gradient_skipped(model):  # nobody reads d(loss)/d(x)
                model.backward(loss.backward())
    except ValueError as err:
        # x was checked for NaN before training, so a NaN met inside the
        # network, the loss or the gradients means that the numbers blew up.
        if _diverged(model, outputs) or "contains NaN" in str(err):
            raise FloatingPointError(
                f"the loss became NaN at {where}: the weights, outputs or gradients are no "
                "longer finite (training diverged); try a smaller learning rate"
            ) from err
        raise
    if not np.isfinite(value):
        raise FloatingPointError(
            f"the loss became {value} at {where}; training diverged, try a smaller learning rate"
        )
    optimizer.step()
    return value, outputs


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
    FloatingPointError
        If the loss becomes NaN or infinite (the message names epoch and batch).

    Notes
    -----
    Nobody needs the gradient with respect to the training images, so while a
    backward pass runs, the first layer's ``needs_input_grad`` is ``False``
    (when it has that switch, as ``Conv2d`` does); ``fit`` restores it after.

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
    x, y = _check_data(x, y)
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val)")
        x_val, y_val = _check_data(*validation_data, "x_val", "y_val")
    callbacks = _check_callbacks(callbacks)
    rng = np.random.default_rng(rng)
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError("scheduler must be built on the optimizer passed to fit()")
    if transform is not None and not callable(transform):
        raise ValueError(f"transform must be callable, got {type(transform).__name__}")
    history = History(validation=validation_data is not None, lr=scheduler is not None)
    n = x.shape[0]
    n_batches = math.ceil(n / batch_size)
    logs = {}
    for epoch in range(epochs):
        _call(callbacks, "on_epoch_begin", epoch, {})
        start_time = time.perf_counter()
        model.train()
        order = rng.permutation(n) if shuffle else np.arange(n)
        total_loss = total_correct = 0.0
        desc = f"epoch {epoch + 1}/{epochs}"
        with tqdm(total=n_batches, desc=desc, unit="batch", disable=not progress) as bar:
            for batch in range(n_batches):
                idx = order[batch * batch_size : (batch + 1) * batch_size]
                where = f"epoch {epoch + 1} of {epochs}, batch {batch + 1} of {n_batches}"
                xb = x[idx] if transform is None else transform(x[idx])
                value, outputs = _train_step(model, xb, y[idx], loss, optimizer, where)
                correct = _correct(outputs, y[idx], loss)
                total_loss += value * len(idx)
                total_correct += correct
                _call(
                    callbacks,
                    "on_batch_end",
                    batch,
                    {"loss": value, "accuracy": correct / len(idx)},
                )
                seen = min((batch + 1) * batch_size, n)
                bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{total_correct / seen:.3f}")
                bar.update()
            logs = {"loss": total_loss / n, "accuracy": total_correct / n}
            if validation_data is not None:
                logs["val_loss"], logs["val_accuracy"] = evaluate_loss(
                    model, x_val, y_val, loss, batch_size
                )
                bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
        if scheduler is not None:
            logs["lr"] = optimizer.lr  # the rate this epoch trained with
            scheduler.step()
        history._record(logs, time.perf_counter() - start_time)
        _call(callbacks, "on_epoch_end", epoch, dict(logs))
    _call(callbacks, "on_train_end", dict(logs))
    return history
