"""``Sequential`` is the plain chain; ``evaluate`` / ``predict`` do the batching."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numerical_grad

from cnn_lib.evaluation import EVAL_BATCH_SIZE, evaluate, evaluate_loss, predict
from cnn_lib.gradcheck import gradcheck
from cnn_lib.layers.activations import ReLU, Tanh
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module
from cnn_lib.layers.pooling import MaxPool2d
from cnn_lib.layers.sequential import Sequential
from cnn_lib.layers.softmax import Softmax
from cnn_lib.losses import MSELoss


class BatchSizeSpy(Module):
    """Identity layer that records the batch size of every call."""

    def __init__(self):
        self.sizes = []

    def forward(self, x):
        self.sizes.append(len(x))
        return x

    def backward(self, grad_output):
        return grad_output


def small_cnn():
    return Sequential(
        Conv2d(1, 3, 3, padding=1, rng=0),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(3 * 4 * 4, 5, rng=1),
        Tanh(),
        Linear(5, 2, rng=2),
    )


def by_hand(layers, x):
    """The layers applied one after another, without Sequential."""
    for layer in layers:
        x = layer(x)
    return x


@pytest.fixture
def images():
    return np.random.default_rng(0).normal(size=(150, 1, 8, 8)).astype(np.float32)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_sequential_passes_the_whole_batch_in_both_modes(images, mode):
    spy = BatchSizeSpy()
    model = getattr(Sequential(spy, *small_cnn()), mode)()
    model(images)
    assert spy.sizes == [150]


def test_softmax_over_the_batch_axis_sums_to_one_per_column_in_eval_mode():
    # The issue: with slices of 64, each column summed to 2 (one per slice).
    x = np.random.default_rng(1).normal(size=(100, 3))
    out = Sequential(Softmax(axis=0)).eval()(x)
    np.testing.assert_allclose(out.sum(axis=0), np.ones(3), rtol=1e-12)
    reference = np.exp(x) / np.exp(x).sum(axis=0)  # written out by hand
    np.testing.assert_allclose(out, reference, rtol=1e-12)


def test_eval_backward_of_a_big_batch_matches_finite_differences():
    model = Sequential(Linear(3, 4, rng=0), Tanh(), Linear(4, 2, rng=1)).eval()
    x = np.random.default_rng(2).normal(size=(100, 3))
    weights = np.random.default_rng(3).normal(size=(100, 2))
    model(x)
    analytic = model.backward(weights)
    numeric = numerical_grad(lambda: float(np.sum(model(x) * weights)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_gradcheck_of_a_batch_bigger_than_the_eval_batch_size():
    model = Sequential(Linear(3, 2, rng=0), Tanh())
    x = np.random.default_rng(4).normal(size=(EVAL_BATCH_SIZE + 6, 3))
    assert gradcheck(model, x) < 1e-6


def test_first_layer_without_input_gradient_returns_none(images):
    model = small_cnn()
    model[0].needs_input_grad = False
    model(images)
    assert model.backward(np.ones((len(images), 2), dtype=np.float32)) is None
    assert np.abs(model[0].weight.grad).sum() > 0


@pytest.mark.parametrize("batch_size", [1, 7, 64, 149, 150, 1000])
def test_predict_and_evaluate_in_batches_equal_the_whole_batch(images, batch_size):
    model = small_cnn()
    logits = by_hand(model.layers, images).astype(np.float64)  # one pass, by hand
    labels = np.random.default_rng(5).integers(0, 2, size=len(images))
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected_loss = -log_probs[np.arange(len(labels)), labels].mean()

    np.testing.assert_array_equal(
        predict(model, images, batch_size=batch_size), logits.argmax(axis=1)
    )
    loss, accuracy = evaluate(model, images, labels, batch_size=batch_size)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert accuracy == pytest.approx(np.mean(logits.argmax(axis=1) == labels))


@pytest.mark.parametrize("batch_size", [None, 64, 40])
def test_predict_runs_the_model_in_batches_of_batch_size(batch_size):
    images = np.random.default_rng(0).normal(size=(300, 1, 8, 8)).astype(np.float32)
    spy = BatchSizeSpy()
    model = Sequential(spy, *small_cnn())
    if batch_size is None:
        predict(model, images)
        batch_size = 256  # the documented default (API.md)
    else:
        predict(model, images, batch_size=batch_size)
    full, rest = divmod(len(images), batch_size)
    assert spy.sizes == [batch_size] * full + ([rest] if rest else [])


def test_evaluate_loss_weighs_a_short_last_batch_by_its_size():
    model = Sequential(Linear(1, 1, rng=0))
    model[0].weight.data[...] = 1.0
    model[0].bias.data[...] = 0.0
    x = np.arange(5.0).reshape(5, 1)
    loss, _ = evaluate_loss(model, x, np.zeros((5, 1)), MSELoss(), batch_size=2)
    assert loss == pytest.approx(np.mean(np.arange(5.0) ** 2))  # (0+1+4+9+16)/5
