"""gradcheck: passes correct layers, catches wrong ones, leaves no trace."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib.gradcheck import gradcheck, gradient_errors, numerical_gradient, relative_error
from cnn_lib.layers.activations import ReLU, Sigmoid, Tanh
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module
from cnn_lib.layers.sequential import Sequential


def away_from_zero(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# --- the building blocks -----------------------------------------------------------


def test_numerical_gradient_of_known_functions():
    w = np.array([1.0, -2.0, 3.0])
    # f = sum(w**3): df/dw = 3 w**2
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(w**3)), w), 3 * w**2)
    np.testing.assert_array_equal(w, [1.0, -2.0, 3.0])  # restored after perturbing
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    # f = det(m) = m00 m11 - m01 m10: gradient [[m11, -m10], [-m01, m00]]
    numeric = numerical_gradient(lambda: float(np.linalg.det(m)), m)
    np.testing.assert_allclose(numeric, [[4.0, -3.0], [-2.0, 1.0]], atol=1e-8)


def test_relative_error_definition():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.5, -2.0]) == 1.0
    assert relative_error([2.0], [1.0]) == 0.5
    assert relative_error([-1.0], [1.0]) == 2.0
    assert relative_error([0.0], [0.0]) == 0.0  # the 1e-12 floor avoids 0 / 0


# --- gradcheck accepts correct layers ------------------------------------------------


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: Linear(4, 3, rng=0), (2, 4)),
        (lambda: Linear(4, 3, bias=False, rng=0), (2, 4)),
        (lambda: Sequential(Flatten(), Linear(12, 2, rng=0), Sigmoid()), (2, 3, 2, 2)),
        (lambda: Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1), Tanh()), (3, 3)),
    ],
)
def test_correct_modules_pass(make, shape):
    errors = gradient_errors(make(), away_from_zero(shape))
    assert max(errors.values()) < 1e-6
    assert "input" in errors


def test_gradient_errors_names_every_tensor():
    model = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
    errors = gradient_errors(model, away_from_zero((2, 3)))
    assert list(errors) == ["input", "0.weight", "0.bias", "2.weight", "2.bias"]


# --- gradcheck catches wrong layers ---------------------------------------------------


class ForgetsTheTranspose(Linear):
    """Input gradient with the wrong weights: grad_output @ W reversed in the input axis."""

    def backward(self, grad_output):
        return super().backward(grad_output)[:, ::-1]


class ZeroInputGradient(Linear):
    def backward(self, grad_output):
        super().backward(grad_output)
        return np.zeros_like(self._x)


class ForgetsWeightGradient(Linear):
    """Leaves ``weight.grad`` at zero (a classic: computing it but not accumulating it)."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.weight.grad[...] = 0
        return grad_input


class SigmoidWithWrongDerivative(Sigmoid):
    """Uses y instead of y (1 - y)."""

    def backward(self, grad_output):
        return grad_output * self._saved(self._y)


def test_a_zero_input_gradient_gives_error_one():
    assert gradcheck(ZeroInputGradient(3, 2, rng=0), away_from_zero((2, 3))) == pytest.approx(1.0)


def test_a_parameter_gradient_left_at_zero_gives_error_one():
    errors = gradient_errors(ForgetsWeightGradient(3, 2, rng=0), away_from_zero((2, 3)))
    assert errors["weight"] == pytest.approx(1.0)
    assert errors["input"] < 1e-6 and errors["bias"] < 1e-6  # the culprit is pinpointed
    assert gradcheck(ForgetsWeightGradient(3, 2, rng=0), away_from_zero((2, 3))) == pytest.approx(
        1.0
    )


@pytest.mark.parametrize(
    "module",
    [ForgetsTheTranspose(3, 3, rng=0), SigmoidWithWrongDerivative()],
    ids=["transpose", "sigmoid"],
)
def test_wrong_backward_passes_are_caught(module):
    assert gradcheck(module, away_from_zero((2, 3))) > 0.1


def test_wrong_gradient_shape_is_reported():
    class WrongShape(Linear):
        def backward(self, grad_output):
            return super().backward(grad_output)[:, :2]

    with pytest.raises(
        ValueError, match=r"returned a gradient of shape \(2, 2\), expected.*\(2, 3\)"
    ):
        gradcheck(WrongShape(3, 2, rng=0), away_from_zero((2, 3)))


def test_backward_returning_none_skips_only_the_input():
    class SkipsInputGradient(Linear):
        def backward(self, grad_output):
            super().backward(grad_output)
            return None

    errors = gradient_errors(SkipsInputGradient(3, 2, rng=0), away_from_zero((2, 3)))
    assert list(errors) == ["weight", "bias"] and max(errors.values()) < 1e-6


# --- gradcheck leaves no trace -------------------------------------------------------------


def test_dtypes_values_grads_input_and_mode_are_restored():
    model = Sequential(Linear(3, 4, rng=0), Dropout(0.5, rng=0), Linear(4, 2, rng=1))
    before = {name: (p.data, p.data.copy(), p.grad) for name, p in model.named_parameters()}
    for _, (_, _, grad) in before.items():
        grad[...] = 7.0  # accumulated gradients must survive the check
    x = away_from_zero((2, 3)).astype(np.float32)
    x_before = x.copy()
    assert model.training
    assert gradcheck(model, x) < 1e-6  # float32 model and input, checked in float64
    assert model.training and model[1].training
    np.testing.assert_array_equal(x, x_before)
    assert x.dtype == np.float32
    for name, p in model.named_parameters():
        data, values, grad = before[name]
        assert p.data is data and p.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, values)
        assert p.grad is grad and (grad == 7.0).all()


def test_eval_mode_is_also_restored():
    model = Sequential(Linear(2, 2, rng=0)).eval()
    gradcheck(model, away_from_zero((1, 2)))
    assert not model.training


def test_parameters_are_restored_even_when_backward_fails():
    class Broken(Linear):
        def backward(self, grad_output):
            raise ArithmeticError("broken")

    layer = Broken(2, 2, rng=0)
    data = layer.weight.data
    with pytest.raises(ArithmeticError):
        gradcheck(layer, np.ones((1, 2)))
    assert layer.weight.data is data and data.dtype == np.float32


def test_seed_changes_the_projection_but_not_the_verdict():
    layer = Linear(3, 2, rng=0)
    x = away_from_zero((2, 3))
    assert gradcheck(layer, x, seed=1) < 1e-6 and gradcheck(layer, x, seed=2) < 1e-6
    assert gradcheck(ZeroInputGradient(3, 2, rng=0), x, seed=3) == pytest.approx(1.0)


def test_dropout_training_backward_with_a_fixed_mask():
    x = away_from_zero((3, 5))
    layer = Dropout(0.4, rng=0)
    layer.fixed_mask = np.random.default_rng(1).random(x.shape) > 0.4
    assert gradcheck(layer, x) < 1e-6

    class DropoutForgetsTheScale(Dropout):
        def backward(self, grad_output):
            return grad_output * self.fixed_mask  # misses the 1 / (1 - p)

    wrong = DropoutForgetsTheScale(0.4, rng=0)
    wrong.fixed_mask = layer.fixed_mask
    assert gradcheck(wrong, x) == pytest.approx(0.4)  # |1 - 1/0.6| / (1/0.6)


@pytest.mark.parametrize(
    ("module", "eps", "message"),
    [
        (Linear(2, 2), 0, "eps must be a positive number, got 0"),
        (Linear(2, 2), -1e-6, "eps must be a positive number"),
        (lambda x: x, 1e-6, "module must be a Module, got function"),
    ],
)
def test_validation(module, eps, message):
    with pytest.raises(ValueError, match=message):
        gradcheck(module, np.ones((1, 2)), eps=eps)


def test_a_module_without_parameters_or_input_gradient_gives_zero():
    class Constant(Module):
        def forward(self, x):
            return np.ones(2)

        def backward(self, grad_output):
            return None

    assert gradcheck(Constant(), np.ones(3)) == 0.0


# --- the convolution and pooling layers (helper A's) ---------------------------------------


def test_conv_and_pool_layers_pass_gradcheck():
    conv = pytest.importorskip("cnn_lib.layers.conv")
    pooling = pytest.importorskip("cnn_lib.layers.pooling")
    x = np.random.default_rng(0).normal(size=(2, 2, 6, 6))
    modules = [
        conv.Conv2d(2, 3, 3, rng=0),
        conv.Conv2d(2, 3, 3, stride=2, padding=1, rng=0),
        conv.Conv2d(2, 2, (3, 2), padding="same", dilation=2, bias=False, rng=0),
        conv.Conv2d(2, 3, 3, padding=1, impl="naive", rng=0),
        pooling.MaxPool2d(2),
        pooling.MaxPool2d(3, stride=1),
        pooling.AvgPool2d(2),
        pooling.AvgPool2d(3, stride=2),
        Sequential(conv.Conv2d(2, 4, 3, rng=0), ReLU(), pooling.MaxPool2d(2), Flatten()),
    ]
    for module in modules:
        assert gradcheck(module, x) < 1e-6, repr(module)
