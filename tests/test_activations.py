"""Elementwise activations: values, derivatives, stability and dtypes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import expit

from cnn_lib.functional.activations import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)

FORWARD_BACKWARD = [
    # (forward, backward(grad_output, x) in terms of the *input* x)
    (relu, relu_backward),
    (leaky_relu, leaky_relu_backward),
    (lambda x: leaky_relu(x, 0.2), lambda g, x: leaky_relu_backward(g, x, 0.2)),
    (sigmoid, lambda g, x: sigmoid_backward(g, sigmoid(x))),
    (tanh, lambda g, x: tanh_backward(g, tanh(x))),
]
IDS = ["relu", "leaky_relu", "leaky_relu_0.2", "sigmoid", "tanh"]


def away_from_zero(shape, seed=0):
    """Random values with |x| >= 0.1, so finite differences never straddle ReLU's kink."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
    return x


def test_hand_worked_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(leaky_relu(x), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(leaky_relu(x, negative_slope=0.5), [-1, -0.25, 0, 0.5, 2])
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])
    np.testing.assert_allclose(tanh(np.array([np.log(2.0)])), [0.6])  # (2 - 1/2) / (2 + 1/2)


def test_sigmoid_matches_scipy_expit():
    x = np.linspace(-40, 40, 801)
    np.testing.assert_allclose(sigmoid(x), expit(x), rtol=1e-12, atol=0)


def test_tanh_matches_its_definition():
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(tanh(x), (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    x = np.array([-1e4, -800.0, -100.0, 0.0, 100.0, 800.0, 1e4], dtype=dtype)
    # Underflow to exactly 0 is the right answer; overflow or 0/0 would be bugs.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y = sigmoid(x)
    assert np.isfinite(y).all()
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5
    assert np.all(np.diff(y) >= 0)


@pytest.mark.parametrize(("forward", "backward"), FORWARD_BACKWARD, ids=IDS)
def test_backward_matches_finite_differences(forward, backward):
    x = away_from_zero((4, 5))
    g = np.random.default_rng(1).standard_normal(x.shape)
    h = 1e-6
    # Elementwise functions: the Jacobian is diagonal, so one vectorized
    # centered difference gives every partial derivative at once.
    numeric = g * (forward(x + h) - forward(x - h)) / (2 * h)
    np.testing.assert_allclose(backward(g, x), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("forward", "backward"), FORWARD_BACKWARD, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(forward, backward, dtype):
    x = away_from_zero((3, 2)).astype(dtype)
    assert forward(x).dtype == dtype
    assert backward(np.ones_like(x), x).dtype == dtype


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    np.testing.assert_array_equal(relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])), [0, 0, 1])


def test_integer_input_becomes_float32():
    assert relu(np.array([-1, 2])).dtype == np.float32
    np.testing.assert_array_equal(relu([-1, 2]), [0, 2])


@pytest.mark.parametrize("function", [relu, leaky_relu, sigmoid, tanh])
def test_nan_input_is_rejected(function):
    with pytest.raises(ValueError, match="x contains NaN"):
        function(np.array([1.0, np.nan]))


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)))
def test_sigmoid_properties(x):
    y = sigmoid(x)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(sigmoid(-x), 1 - y, atol=1e-15)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)))
def test_relu_and_leaky_relu_properties(x):
    np.testing.assert_array_equal(relu(x), np.where(x > 0, x, 0))
    np.testing.assert_array_equal(relu(x) - relu(-x), x)  # max(x,0) - max(-x,0) = x
    leaky = leaky_relu(x, 0.1)
    np.testing.assert_array_equal(leaky[x > 0], x[x > 0])
    assert np.all(leaky[x <= 0] <= 0) and np.all(leaky[x <= 0] >= x[x <= 0])
