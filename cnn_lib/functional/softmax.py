"""Softmax, log-softmax and the cross-entropy loss, with their gradients.

The numerically stable trick: softmax does not change if the same number is
subtracted from every logit, so we subtract the maximum first. Then every
``exp`` sees a value ``<= 0`` and cannot overflow, and the largest term is
exactly ``exp(0) = 1``, so the denominator can never be 0. Taught in
chapter 9, Softmax and cross-entropy.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array, check_labels, check_ndim


def softmax(z, axis=-1):
    """Turn scores into probabilities: ``exp(z_i) / sum_j exp(z_j)`` along ``axis``.

    Parameters
    ----------
    z : array_like
        Scores (logits), any shape.
    axis : int, default -1
        The axis that holds the classes.

    Returns
    -------
    ndarray
        Non-negative values summing to 1 along ``axis``; same shape and dtype as ``z``.

    Shapes
    ------
    ``z: (*) -> (*)``, typically ``(N, num_classes) -> (N, num_classes)``.

    Examples
    --------
    >>> softmax(np.array([0.0, 1e4]))  # no overflow: exactly [0, 1]
    array([0., 1.])
    """
    z = as_float_array(z, "z")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """Logarithm of ``softmax``, computed without ever taking ``log(0)``.

    ``log softmax(z)_i = (z_i - m) - log sum_j exp(z_j - m)`` with ``m = max(z)``.

    Shapes
    ------
    ``z: (*) -> (*)``

    Examples
    --------
    >>> log_softmax(np.array([0.0, 1e4]))
    array([-10000.,      0.])
    """
    z = as_float_array(z, "z")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_backward(grad_output, y, axis=-1):
    """Jacobian-vector product of softmax, from its output ``y``.

    The Jacobian is ``dy_i/dz_j = y_i (delta_ij - y_j)``, so for an upstream
    gradient ``g``: ``grad_z = y * (g - sum_j g_j y_j)``. No ``C x C`` matrix
    is ever built.

    Shapes
    ------
    ``grad_output, y: (*) -> (*)``

    Examples
    --------
    >>> softmax_backward(np.ones(3), softmax(np.zeros(3)))  # constant g: zero gradient
    array([0., 0., 0.])
    """
    return y * (grad_output - (grad_output * y).sum(axis=axis, keepdims=True))


def _check_logits_and_targets(logits, targets):
    """Validate ``(N, C)`` logits and ``(N,)`` integer targets; return both as arrays."""
    logits = as_float_array(logits, "logits")
    check_ndim(logits, 2, "logits", "(N, num_classes)")
    if logits.shape[0] == 0:
        raise ValueError("logits must hold at least one sample, got shape (0, ...)")
    targets = check_labels(targets, logits.shape[1], "targets")
    if targets.shape[0] != logits.shape[0]:
        raise ValueError(
            f"targets must have one label per sample: expected {logits.shape[0]} labels "
            f"(logits shape {logits.shape}), got {targets.shape[0]}"
        )
    return logits, targets


def one_hot(targets, num_classes, dtype=np.float32):
    """Rows of the identity matrix: ``one_hot([2], 3) == [[0, 0, 1]]``.

    Shapes
    ------
    ``targets: (N,) -> (N, num_classes)``

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    targets = check_labels(targets, num_classes, "targets")
    out = np.zeros((targets.shape[0], num_classes), dtype=dtype)
    out[np.arange(targets.shape[0]), targets] = 1
    return out


def cross_entropy(logits, targets):
    """Mean negative log-likelihood of the correct classes.

    ``loss = -(1/N) sum_i log softmax(logits_i)[targets_i]``, the same as
    ``torch.nn.functional.cross_entropy`` with its defaults.

    Parameters
    ----------
    logits : array_like
        Raw scores, one row per sample (no softmax applied yet).
    targets : array_like of int
        Correct class index of each sample, in ``[0, num_classes)``.

    Returns
    -------
    float
        The mean loss.

    Shapes
    ------
    ``logits: (N, num_classes)``, ``targets: (N,) -> ()``

    Examples
    --------
    >>> round(cross_entropy(np.zeros((2, 4)), np.array([0, 3])), 4)  # = log 4
    1.3863
    """
    logits, targets = _check_logits_and_targets(logits, targets)
    log_p = log_softmax(logits, axis=1)
    picked = log_p[np.arange(logits.shape[0]), targets]
    return float(-picked.mean())


def cross_entropy_backward(logits, targets):
    """Gradient of ``cross_entropy`` with respect to the logits: ``(softmax - onehot) / N``.

    Shapes
    ------
    ``logits: (N, num_classes)``, ``targets: (N,) -> (N, num_classes)``

    Examples
    --------
    >>> cross_entropy_backward(np.zeros((1, 2)), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    logits, targets = _check_logits_and_targets(logits, targets)
    n = logits.shape[0]
    grad = softmax(logits, axis=1)
    grad[np.arange(n), targets] -= 1  # softmax - onehot, without building onehot
    return grad / n
