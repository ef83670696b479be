"""Loss functions: one number that says how wrong the outputs are.

Usage mirrors PyTorch, without autograd::

    loss = criterion(outputs, targets)   # a Python float (mean over the batch)
    grad = criterion.backward()          # d loss / d outputs, same shape as outputs
    model.backward(grad)

Every loss uses mean reduction, so its gradient carries a ``1/N`` (or ``1/size``).
Taught in chapter 9, Softmax and cross-entropy (``CrossEntropyLoss``); the
training loop of chapter 13, Training a CNN end to end, uses them.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array
from cnn_lib.functional.activations import sigmoid
from cnn_lib.functional.softmax import cross_entropy, cross_entropy_backward


class Loss:
    """Base class: ``__call__(outputs, targets) -> float`` then ``backward()``."""

    def __init__(self):
        self._cache = None

    def __call__(self, outputs, targets) -> float:
        return self.forward(outputs, targets)

    def forward(self, outputs, targets) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self):
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    def _saved(self):
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before computing the loss; "
                "call criterion(outputs, targets) first"
            )
        return self._cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _same_shape(outputs, targets, loss_name: str):
    """Validate float ``outputs`` and ``targets`` of one shape; targets take outputs' dtype."""
    outputs = as_float_array(outputs, "outputs")
    targets = as_float_array(targets, "targets")
    if targets.shape != outputs.shape:
        raise ValueError(
            f"{loss_name} expects targets with the outputs' shape {outputs.shape}, "
            f"got {targets.shape}"
        )
    if outputs.size == 0:
        raise ValueError(f"{loss_name} got empty outputs of shape {outputs.shape}")
    return outputs, targets.astype(outputs.dtype, copy=False)


class CrossEntropyLoss(Loss):
    """Softmax + negative log-likelihood of the correct class, averaged over the batch.

    Takes raw logits (no softmax before it) and integer class indices.
    Gradient: ``(softmax(logits) - onehot(targets)) / N``.

    Shapes
    ------
    ``outputs: (N, num_classes)``, ``targets: (N,)`` int -> float

    Examples
    --------
    >>> criterion = CrossEntropyLoss()
    >>> round(criterion(np.zeros((2, 2)), np.array([0, 1])), 4)  # = log 2
    0.6931
    >>> criterion.backward()
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """

    def forward(self, outputs, targets) -> float:
        loss = cross_entropy(outputs, targets)  # validates shapes and labels
        self._cache = (outputs, targets)
        return loss

    def backward(self):
        outputs, targets = self._saved()
        return cross_entropy_backward(outputs, targets)


class MSELoss(Loss):
    """Mean squared error ``mean((outputs - targets)**2)`` over every element.

    Gradient: ``2 (outputs - targets) / size``.

    Shapes
    ------
    ``outputs, targets: (*)`` (the same shape) -> float

    Examples
    --------
    >>> criterion = MSELoss()
    >>> criterion(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    5.0
    >>> criterion.backward()
    array([1., 3.])
    """

    def forward(self, outputs, targets) -> float:
        outputs, targets = _same_shape(outputs, targets, "MSELoss")
        diff = outputs - targets
        self._cache = diff
        return float(np.mean(diff * diff))

    def backward(self):
        diff = self._saved()
        return 2 * diff / diff.size


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on raw logits, stable for any logit size.

    For a logit ``z`` and target ``t`` in ``[0, 1]`` the loss
    ``-t log sigmoid(z) - (1 - t) log(1 - sigmoid(z))`` equals
    ``max(z, 0) - z t + log(1 + exp(-|z|))``: the ``exp`` never overflows and
    no ``log(0)`` appears. Gradient: ``(sigmoid(z) - t) / size``.

    Shapes
    ------
    ``outputs, targets: (*)`` (the same shape) -> float

    Examples
    --------
    >>> criterion = BCEWithLogitsLoss()
    >>> round(criterion(np.array([0.0]), np.array([1.0])), 4)  # = log 2
    0.6931
    >>> criterion(np.array([1000.0]), np.array([1.0]))          # no overflow
    0.0
    """

    def forward(self, outputs, targets) -> float:
        z, t = _same_shape(outputs, targets, "BCEWithLogitsLoss")
        if t.min() < 0 or t.max() > 1:
            raise ValueError(
                f"BCEWithLogitsLoss targets must lie in [0, 1], "
                f"got values from {t.min()} to {t.max()}"
            )
        self._cache = (z, t)
        return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))))

    def backward(self):
        z, t = self._saved()
        return (sigmoid(z) - t) / z.size
