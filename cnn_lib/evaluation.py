"""Measuring a model: ``evaluate`` (loss and accuracy) and ``predict`` (labels).

Both run the model batch by batch in eval mode (dropout off) and then restore
the train/eval mode every sub-module had before, using ``eval_mode``.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from cnn_lib._validation import as_float_array, check_positive_int
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss


def _modules(module):
    """The module and all its descendants."""
    yield module
    for _, child in module.named_children():
        yield from _modules(child)


@contextmanager
def eval_mode(model):
    """Run a block with ``model`` in eval mode, then restore every sub-module's mode.

    Examples
    --------
    >>> from cnn_lib.layers.dropout import Dropout
    >>> drop = Dropout()
    >>> with eval_mode(drop):
    ...     drop.training
    False
    >>> drop.training
    True
    """
    previous = [(m, m.training) for m in _modules(model)]
    model.eval()
    try:
        yield model
    finally:
        for m, mode in previous:
            m.training = mode


def _check_inputs(x, name="x"):
    x = as_float_array(x, name)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {x.shape}")
    return x


def _check_data(x, y, x_name="x", y_name="y"):
    x = _check_inputs(x, x_name)
    y = np.asarray(y)
    if y.ndim < 1 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples, "
            f"got {x.shape[0]} and {y.shape[0] if y.ndim else 'a scalar'}"
        )
    return x, y


def _correct(outputs, targets, loss) -> float:
    """How many predictions in the batch are right (NaN if accuracy has no meaning)."""
    if targets.ndim == 1 and targets.dtype.kind in "iu" and outputs.ndim == 2:
        return float((outputs.argmax(axis=1) == targets).sum())
    if isinstance(loss, BCEWithLogitsLoss):  # binary: logit > 0 means class 1
        hits = (outputs > 0) == (targets > 0.5)
        return float(hits.mean() * len(targets))
    return math.nan


def evaluate_loss(model, x, y, loss, batch_size=256):
    """Mean ``loss`` and accuracy over ``(x, y)`` in eval mode, batch by batch.

    ``evaluate`` is this with a ``CrossEntropyLoss``; ``fit`` uses it with its
    own loss for the validation data. Accuracy is NaN when it has no meaning
    (e.g. a regression target with ``MSELoss``).

    Shapes
    ------
    ``x: (N, ...)``, ``y: (N,)`` or the shape ``loss`` expects -> ``(float, float)``

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> from cnn_lib.losses import MSELoss
    >>> x, y = np.zeros((3, 2)), np.zeros((3, 1))
    >>> loss, acc = evaluate_loss(Linear(2, 1, rng=0), x, y, MSELoss())
    >>> bool(np.isnan(acc))
    True
    """
    x, y = _check_data(x, y)
    batch_size = check_positive_int(batch_size, "batch_size")
    total_loss = total_correct = 0.0
    with eval_mode(model):
        for start in range(0, x.shape[0], batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            outputs = model(xb)
            total_loss += loss(outputs, yb) * len(yb)
            total_correct += _correct(outputs, yb, loss)
    return total_loss / x.shape[0], total_correct / x.shape[0]


def evaluate(model, x, y, batch_size=256):
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)``, in eval mode.

    The model's previous train/eval mode is restored afterwards.

    Shapes
    ------
    ``x: (N, ...)``, ``y: (N,)`` int -> ``(float, float)``

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> loss, acc = evaluate(Linear(2, 3, rng=0), np.zeros((4, 2)), np.array([0, 1, 2, 0]))
    >>> 0 <= acc <= 1
    True
    """
    return evaluate_loss(model, x, y, CrossEntropyLoss(), batch_size)


def predict(model, x, batch_size=256):
    """Predicted class index of each sample (argmax of the outputs), in eval mode.

    The model's previous train/eval mode is restored afterwards.

    Shapes
    ------
    ``x: (N, ...) -> (N,)`` int64

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> predict(Linear(2, 3, rng=0), np.zeros((4, 2))).shape
    (4,)
    """
    x = _check_inputs(x)
    batch_size = check_positive_int(batch_size, "batch_size")
    labels = []
    with eval_mode(model):
        for start in range(0, x.shape[0], batch_size):
            outputs = np.asarray(model(x[start : start + batch_size]))
            if outputs.ndim != 2:
                raise ValueError(
                    f"predict expects model outputs of shape (N, num_classes), got {outputs.shape}"
                )
            labels.append(outputs.argmax(axis=1))
    return np.concatenate(labels).astype(np.int64)
