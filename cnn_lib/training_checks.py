"""The checks ``fit`` runs before its first step, so that bad input fails early.

Each check reads an array once (``min`` and ``max``: NaN propagates through
them, and no mask array the size of the data is made) and names what is at
fault: an argument, the inputs, the labels, or the model's weights.

Taught with ``fit`` in chapter 13, Training end to end
(book/13_training_end_to_end.ipynb).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.evaluation import _check_data, eval_mode
from cnn_lib.losses import CrossEntropyLoss

HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_end", "on_train_end")


def _check_finite(a, name: str) -> None:
    """Refuse NaN and infinity; min/max propagate NaN and need no mask array."""
    if a.size and a.dtype.kind == "f" and not np.isfinite([a.min(), a.max()]).all():
        raise ValueError(
            f"{name} contains NaN or infinite values (shape {a.shape}); clean the data "
            "(e.g. np.nan_to_num, or drop those samples) before passing it in"
        )


def _check_labels(y, num_classes: int, name: str = "y") -> None:
    """Integer class indices 0 .. num_classes - 1, one per sample."""
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be a 1-D array of integer class indices, got dtype {y.dtype} "
            f"and shape {y.shape}; convert labels with {name}.astype(int)"
        )
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"{name} holds labels from {low} to {high}, but the model outputs "
            f"{num_classes} classes (labels 0 to {num_classes - 1}); check the labels "
            "or the size of the model's last layer"
        )


def check_callbacks(callbacks):
    if any(hasattr(callbacks, hook) for hook in HOOKS):
        callbacks = (callbacks,)  # a single callback object
    if callable(callbacks) or not hasattr(callbacks, "__iter__"):
        raise ValueError(
            f"callbacks must be a list of objects with any of the methods "
            f"{', '.join(HOOKS)}, got {callbacks!r}; to print progress, write a class "
            "with on_epoch_end(self, epoch, logs) that prints logs"
        )
    callbacks = tuple(callbacks)
    for i, callback in enumerate(callbacks):
        if not any(hasattr(callback, hook) for hook in HOOKS):
            raise ValueError(
                f"callbacks[{i}] must have at least one of {', '.join(HOOKS)}, got {callback!r}"
            )
    return callbacks


def check_tools(loss, optimizer) -> None:
    """``loss`` and ``optimizer`` must be instances with the methods fit calls."""
    examples = {"loss": "CrossEntropyLoss()", "optimizer": "SGD(model.parameters(), lr=0.1)"}
    methods = {"loss": ("__call__", "backward"), "optimizer": ("zero_grad", "step")}
    for name, value in (("loss", loss), ("optimizer", optimizer)):
        if isinstance(value, type):
            raise ValueError(
                f"{name} must be an instance, got the class {value.__name__}; "
                f"create one with parentheses, e.g. {name}={value.__name__}(...)"
            )
        if not all(callable(getattr(value, m, None)) for m in methods[name]):
            raise ValueError(
                f"{name} must be an object with {' and '.join(methods[name])} methods, "
                f"e.g. {name}={examples[name]}; got {value!r}"
            )


def check_schedule(optimizer, scheduler, transform) -> None:
    """A scheduler must drive fit's optimizer; a transform must be callable."""
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError(
            "scheduler must be built on the optimizer passed to fit(), e.g. "
            "StepLR(optimizer, step_size=2); got one for another optimizer"
        )
    if transform is not None and not callable(transform):
        raise ValueError(
            f"transform must be callable, e.g. cnn_lib.transforms.RandomCrop(28, padding=2); "
            f"got {type(transform).__name__}"
        )


def check_weights(model) -> None:
    for name, p in model.named_parameters():
        if not np.isfinite(p.data).all():
            raise ValueError(
                f"the model's weights are not finite before training: parameter {name!r} "
                "holds NaN or infinity; re-create the model or load a good checkpoint"
            )


def check_split(model, x, y, loss, x_name, y_name):
    """Validate one (inputs, targets) pair before training; returns them as arrays."""
    x, y = _check_data(x, y, x_name, y_name)
    _check_finite(x, f"the inputs {x_name}")
    if isinstance(loss, CrossEntropyLoss):
        with eval_mode(model):  # one sample: the number of classes the model outputs
            num_classes = np.shape(model(x[:1]))[-1]
        _check_labels(y, num_classes, y_name)
    else:
        _check_finite(np.asarray(y, dtype=float), f"the targets {y_name}")
    return x, y


def check_validation(model, validation_data, loss):
    """Validate ``fit``'s optional ``(x_val, y_val)`` as :func:`check_split` does."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair (x_val, y_val)")
    return check_split(model, *validation_data, loss, "x_val", "y_val")
