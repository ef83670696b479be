"""Softmax, log-softmax, cross-entropy and the loss classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

from cnn_lib.functional.softmax import (
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
    one_hot,
    softmax,
    softmax_backward,
)
from cnn_lib.gradcheck import gradcheck
from cnn_lib.layers.module import Module
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss


def finite_difference(f, z, h=1e-6):
    """Centered differences of the scalar f at every element of z (independent of cnn_lib)."""
    grad = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[i] = h
        grad[i] = (f(z + step) - f(z - step)) / (2 * h)
    return grad


class LossAsModule(Module):
    """Wrap ``criterion`` with fixed targets as a Module, so ``gradcheck`` can check it."""

    def __init__(self, criterion, targets):
        self.criterion, self.targets = criterion, targets

    def forward(self, x):
        return np.array(self.criterion(x, self.targets))

    def backward(self, grad_output):
        return grad_output * self.criterion.backward()


# --- softmax and log-softmax ---------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_match_scipy(axis):
    z = np.random.default_rng(0).normal(scale=3, size=(4, 6))
    np.testing.assert_allclose(softmax(z, axis=axis), scipy_softmax(z, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(
        log_softmax(z, axis=axis), scipy_log_softmax(z, axis=axis), rtol=1e-12, atol=1e-12
    )


def test_softmax_hand_worked():
    # exp([0, log 3]) = [1, 3] -> [1/4, 3/4]
    np.testing.assert_allclose(softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_1e4_apart_are_finite_and_exact(dtype):
    z = np.array([[0.0, 1e4, -1e4], [1e4, 1e4, 0.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        p = softmax(z)
        log_p = log_softmax(z)
    np.testing.assert_array_equal(p, [[0, 1, 0], [0.5, 0.5, 0]])
    np.testing.assert_array_equal(log_p[0], [-1e4, 0, -2e4])
    np.testing.assert_allclose(log_p[1], [-np.log(2), -np.log(2), -1e4 - np.log(2)], rtol=1e-6)
    assert p.dtype == dtype and log_p.dtype == dtype


def test_softmax_is_shift_invariant_and_sums_to_one():
    z = np.random.default_rng(1).normal(size=(3, 5))
    np.testing.assert_allclose(softmax(z + 123.0), softmax(z), rtol=1e-10)
    np.testing.assert_allclose(softmax(z).sum(axis=1), np.ones(3))
    np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_backward_equals_explicit_jacobian(axis):
    rng = np.random.default_rng(2)
    z, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    y = softmax(z, axis=axis)
    expected = np.zeros_like(z)
    # Build each slice's Jacobian J = diag(y) - y y^T and apply it (J is symmetric).
    for i in range(z.shape[0] if axis == -1 else z.shape[1]):
        sl = (i, slice(None)) if axis == -1 else (slice(None), i)
        jacobian = np.diag(y[sl]) - np.outer(y[sl], y[sl])
        expected[sl] = jacobian @ g[sl]
    np.testing.assert_allclose(softmax_backward(g, y, axis=axis), expected, rtol=1e-12, atol=1e-15)


# --- cross-entropy ---------------------------------------------------------------


def test_cross_entropy_hand_worked():
    # Uniform logits over 4 classes: every sample costs log 4.
    assert cross_entropy(np.zeros((3, 4)), np.array([0, 1, 3])) == pytest.approx(np.log(4))
    # logits [0, log 3]: p = [1/4, 3/4]; targets 1 and 0 -> mean(-log 3/4, -log 1/4).
    logits = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    expected = (-np.log(0.75) - np.log(0.25)) / 2
    assert cross_entropy(logits, np.array([1, 0])) == pytest.approx(expected)


def test_cross_entropy_matches_scipy_reference():
    rng = np.random.default_rng(3)
    logits, targets = rng.normal(scale=4, size=(6, 5)), rng.integers(0, 5, 6)
    expected = -np.mean(scipy_log_softmax(logits, axis=1)[np.arange(6), targets])
    result = cross_entropy(logits, targets)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0], [0.0, 1e4]])
    assert cross_entropy(logits, np.array([0, 0])) == pytest.approx(1e4 / 2)


def test_cross_entropy_backward_is_softmax_minus_onehot_over_n():
    rng = np.random.default_rng(4)
    logits, targets = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    expected = (scipy_softmax(logits, axis=1) - np.eye(3)[targets]) / 5
    np.testing.assert_allclose(cross_entropy_backward(logits, targets), expected, rtol=1e-12)
    numeric = finite_difference(lambda z: cross_entropy(z, targets), logits)
    np.testing.assert_allclose(cross_entropy_backward(logits, targets), numeric, atol=1e-8)


def test_cross_entropy_backward_keeps_float32():
    logits = np.zeros((2, 3), dtype=np.float32)
    assert cross_entropy_backward(logits, np.array([0, 1])).dtype == np.float32


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([1, 0, 2]), 3), np.eye(3)[[1, 0, 2]])
    assert one_hot(np.array([0]), 2, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize(
    ("logits", "targets", "message"),
    [
        (np.zeros((2, 3)), np.array([0.0, 1.0]), r"integer class indices.*astype\(int\)"),
        (
            np.zeros((2, 3)),
            np.array([0, 3]),
            r"targets must lie in \[0, 2\].*got values from 0 to 3",
        ),
        (np.zeros((2, 3)), np.array([-1, 0]), r"targets must lie in \[0, 2\]"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), "expected 2 labels.*got 3"),
        (np.zeros((2, 3)), np.array([[0], [1]]), r"targets must be 1-D \(N,\), got shape \(2, 1\)"),
        (np.zeros(3), np.array([0]), r"logits must be 2-D.*logits\[None\]"),
        (np.zeros((0, 3)), np.array([], dtype=int), "at least one sample"),
        (np.array([[np.nan, 0.0]]), np.array([0]), "logits contains NaN"),
    ],
)
def test_cross_entropy_validation(logits, targets, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(logits, targets)
    with pytest.raises(ValueError, match=message):
        CrossEntropyLoss()(logits, targets)


# --- the loss classes -------------------------------------------------------------


def test_cross_entropy_loss_returns_float_and_gradient():
    criterion = CrossEntropyLoss()
    logits, targets = np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1])
    p0 = np.exp(2) / (np.exp(2) + 1)
    value = criterion(logits, targets)
    assert isinstance(value, float)
    assert value == pytest.approx((-np.log(p0) - np.log(0.5)) / 2)
    np.testing.assert_allclose(criterion.backward(), [[(p0 - 1) / 2, (1 - p0) / 2], [0.25, -0.25]])


def test_mse_loss_hand_worked_and_gradient():
    criterion = MSELoss()
    outputs, targets = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    assert criterion(outputs, targets) == pytest.approx((0 + 4 + 9 + 16) / 4)
    np.testing.assert_allclose(criterion.backward(), [[0, 1], [1.5, 2]])  # 2 * diff / 4
    numeric = finite_difference(lambda z: MSELoss()(z, targets), outputs)
    np.testing.assert_allclose(criterion.backward(), numeric, atol=1e-8)


def test_mse_loss_gradient_keeps_output_dtype():
    criterion = MSELoss()
    criterion(np.ones(3, dtype=np.float32), np.zeros(3))
    assert criterion.backward().dtype == np.float32


def test_bce_with_logits_matches_the_textbook_formula():
    rng = np.random.default_rng(5)
    z, t = rng.normal(scale=3, size=(4, 3)), rng.uniform(size=(4, 3))
    s = 1 / (1 + np.exp(-z))
    expected = np.mean(-t * np.log(s) - (1 - t) * np.log(1 - s))
    criterion = BCEWithLogitsLoss()
    assert criterion(z, t) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(criterion.backward(), (s - t) / z.size, rtol=1e-12)
    numeric = finite_difference(lambda a: BCEWithLogitsLoss()(a, t), z)
    np.testing.assert_allclose(criterion.backward(), numeric, atol=1e-8)


def test_bce_with_logits_is_stable_for_huge_logits():
    criterion = BCEWithLogitsLoss()
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value = criterion(np.array([1000.0, -1000.0, 1000.0]), np.array([1.0, 0.0, 0.0]))
        grad = criterion.backward()
    assert value == pytest.approx(1000 / 3)  # only the wrong, confident third sample costs
    np.testing.assert_allclose(grad, [0, 0, 1 / 3])


@pytest.mark.parametrize(
    ("criterion", "outputs", "targets", "message"),
    [
        (
            MSELoss(),
            np.zeros((2, 3)),
            np.zeros((3, 2)),
            r"targets with the outputs' shape \(2, 3\)",
        ),
        (BCEWithLogitsLoss(), np.zeros(3), np.zeros(2), r"outputs' shape \(3,\), got \(2,\)"),
        (BCEWithLogitsLoss(), np.zeros(2), np.array([0.0, 2.0]), r"must lie in \[0, 1\]"),
        (MSELoss(), np.zeros(0), np.zeros(0), "empty outputs"),
        (MSELoss(), np.array([np.nan]), np.zeros(1), "outputs contains NaN"),
    ],
)
def test_elementwise_loss_validation(criterion, outputs, targets, message):
    with pytest.raises(ValueError, match=message):
        criterion(outputs, targets)


@pytest.mark.parametrize("criterion", [CrossEntropyLoss(), MSELoss(), BCEWithLogitsLoss()])
def test_backward_before_forward_raises(criterion):
    with pytest.raises(RuntimeError, match="before computing the loss"):
        criterion.backward()


def test_loss_base_class_and_repr():
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss()"
    with pytest.raises(NotImplementedError):
        Loss()(np.zeros(1), np.zeros(1))
    with pytest.raises(NotImplementedError):
        Loss().backward()


@pytest.mark.parametrize(
    ("criterion", "targets"),
    [
        (CrossEntropyLoss(), np.array([2, 0, 1])),
        (MSELoss(), np.random.default_rng(6).normal(size=(3, 4))),
        (BCEWithLogitsLoss(), np.random.default_rng(7).uniform(size=(3, 4))),
    ],
)
def test_every_loss_passes_gradcheck(criterion, targets):
    x = np.random.default_rng(8).normal(size=(3, 4))
    assert gradcheck(LossAsModule(criterion, targets), x) < 1e-6
