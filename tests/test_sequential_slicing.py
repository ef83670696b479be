"""Cache blocking in ``Sequential``: big eval batches run in slices, with the same results."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numerical_grad

from cnn_lib.gradcheck import gradcheck
from cnn_lib.layers.activations import ReLU, Tanh
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module
from cnn_lib.layers.pooling import MaxPool2d
from cnn_lib.layers.sequential import Sequential


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


def test_eval_forward_runs_in_slices_of_eval_chunk_size(images):
    spy = BatchSizeSpy()
    model = Sequential(spy, *small_cnn()).eval()
    model(images)
    assert spy.sizes == [64, 64, 22]
    model.eval_chunk_size = 100
    spy.sizes.clear()
    model(images)
    assert spy.sizes == [100, 50]


@pytest.mark.parametrize("setting", ["training", "chunk None", "small batch"])
def test_no_slicing_in_training_when_switched_off_or_for_small_batches(images, setting):
    spy = BatchSizeSpy()
    model = Sequential(spy, *small_cnn()).eval()
    if setting == "training":
        model.train()
    elif setting == "chunk None":
        model.eval_chunk_size = None
    else:
        images = images[:64]
    model(images)
    assert spy.sizes == [len(images)]


def test_sliced_output_equals_the_layers_applied_to_the_whole_batch(images):
    model = small_cnn().eval()
    np.testing.assert_allclose(model(images), by_hand(model.layers, images), rtol=1e-6)


def test_backward_after_a_sliced_forward_matches_the_whole_batch(images):
    model = small_cnn().eval()
    grad_output = np.random.default_rng(1).normal(size=(len(images), 2)).astype(np.float32)
    model(images)
    grad_x = model.backward(grad_output)
    sliced_grads = [p.grad.copy() for p in model.parameters()]

    model.zero_grad()
    model.eval_chunk_size = None  # one pass over the whole batch
    model(images)
    whole_grad_x = model.backward(grad_output)
    assert grad_x.shape == images.shape
    np.testing.assert_allclose(grad_x, whole_grad_x, rtol=1e-5, atol=1e-7)
    for sliced, whole in zip(sliced_grads, model.parameters(), strict=True):
        np.testing.assert_allclose(sliced, whole.grad, rtol=1e-4, atol=1e-6)


def test_backward_after_a_sliced_forward_matches_finite_differences():
    model = Sequential(Linear(3, 4, rng=0), Tanh(), Linear(4, 2, rng=1)).eval()
    model.eval_chunk_size = 4
    x = np.random.default_rng(2).normal(size=(10, 3))
    weights = np.random.default_rng(3).normal(size=(10, 2))
    model(x)
    analytic = model.backward(weights)
    numeric = numerical_grad(lambda: float(np.sum(model(x) * weights)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_gradcheck_works_on_a_batch_bigger_than_a_slice():
    model = Sequential(Linear(3, 4, rng=0), Tanh(), Linear(4, 2, rng=1))
    model.eval_chunk_size = 4
    x = np.random.default_rng(4).normal(size=(10, 3))
    assert gradcheck(model, x) < 1e-6


def test_first_layer_without_input_gradient_returns_none(images):
    model = small_cnn().eval()
    model[0].needs_input_grad = False
    model(images)
    assert model.backward(np.ones((len(images), 2), dtype=np.float32)) is None
    assert np.abs(model[0].weight.grad).sum() > 0


def test_backward_after_a_sliced_forward_checks_the_gradient_and_the_mode(images):
    model = small_cnn().eval()
    model(images)
    with pytest.raises(ValueError, match="gradient for 150 samples"):
        model.backward(np.ones((149, 2), dtype=np.float32))
    model.train()
    with pytest.raises(RuntimeError, match="training mode now"):
        model.backward(np.ones((150, 2), dtype=np.float32))
