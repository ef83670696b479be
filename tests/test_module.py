"""Module, Parameter and Sequential basics, and the backward-before-forward guard."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib.layers.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module, Parameter
from cnn_lib.layers.sequential import Sequential
from cnn_lib.layers.softmax import Softmax


def small_model():
    return Sequential(Flatten(), Linear(12, 5, rng=0), ReLU(), Dropout(0.5), Linear(5, 3, rng=1))


def test_parameter_holds_data_and_zero_grad():
    p = Parameter(np.ones((2, 3), dtype=np.float32))
    assert p.shape == (2, 3)
    assert p.grad.dtype == np.float32
    np.testing.assert_array_equal(p.grad, np.zeros((2, 3)))
    assert repr(p) == "Parameter(shape=(2, 3), dtype=float32)"


def test_sequential_indexing_len_iter_and_slices():
    model = small_model()
    assert len(model) == 5
    assert isinstance(model[1], Linear) and model[-1] is model.layers[-1]
    assert [type(layer).__name__ for layer in model] == [
        "Flatten",
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
    ]
    head = model[1:3]
    assert isinstance(head, Sequential) and len(head) == 2 and head[0] is model[1]


def test_sequential_repr_lists_the_layers():
    text = repr(Sequential(Linear(2, 3, rng=0), ReLU()))
    assert text == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)"
    )
    assert repr(Sequential()) == "Sequential()"


def test_parameters_come_in_a_stable_torch_like_order():
    model = small_model()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["1.weight", "1.bias", "4.weight", "4.bias"]
    assert model.parameters()[0] is model[1].weight
    assert model.parameters()[3] is model[4].bias


def test_sequential_forward_and_backward_chain_the_layers():
    model = Sequential(Linear(3, 4, rng=0), Tanh(), Linear(4, 2, rng=1))
    x = np.random.default_rng(0).normal(size=(5, 3))
    by_hand = model[2](model[1](model[0](x)))
    np.testing.assert_allclose(model(x), by_hand)
    g = np.ones((5, 2))
    by_hand_grad = model[0].backward(model[1].backward(model[2].backward(g)))
    model(x)
    np.testing.assert_allclose(model.backward(g), by_hand_grad)


def test_sequential_rejects_non_modules_with_a_hint():
    with pytest.raises(ValueError, match=r"got type at position 1; did you forget the parentheses"):
        Sequential(Linear(2, 2), ReLU)


def test_train_eval_propagate_to_children():
    model = small_model()
    assert model.eval() is model
    assert not model.training and not model[3].training
    model.train()
    assert all(layer.training for layer in model)


def test_zero_grad_resets_every_gradient():
    model = small_model()
    for p in model.parameters():
        p.grad[...] = 1
    model.zero_grad()
    assert all(not p.grad.any() for p in model.parameters())


def test_state_dict_round_trip_and_copies():
    model, other = (
        small_model(),
        Sequential(Flatten(), Linear(12, 5, rng=7), ReLU(), Dropout(0.5), Linear(5, 3, rng=8)),
    )
    state = model.state_dict()
    assert list(state) == ["1.weight", "1.bias", "4.weight", "4.bias"]
    state["1.bias"][...] = 99  # a copy: the model is unchanged
    assert not (model[1].bias.data == 99).any()
    other.load_state_dict(model.state_dict())
    x = np.random.default_rng(1).normal(size=(2, 3, 2, 2))
    np.testing.assert_array_equal(other.eval()(x), model.eval()(x))
    assert other[1].weight.data.dtype == np.float32


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("4.bias"), "missing entries: 4.bias"),
        (lambda s: s.update({"9.weight": np.zeros(1)}), "unexpected entries: 9.weight"),
        (lambda s: s.update({"1.weight": np.zeros((5, 11))}), r"'1.weight' has shape \(5, 11\)"),
    ],
)
def test_load_state_dict_names_the_bad_entry(change, message):
    model = small_model()
    state = model.state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)


def test_module_base_class_requires_forward_and_backward():
    with pytest.raises(NotImplementedError, match="must implement forward"):
        Module()(np.zeros(1))
    with pytest.raises(NotImplementedError, match="must implement backward"):
        Module().backward(np.zeros(1))
    assert repr(Module()) == "Module()"


MY_LAYERS = [
    ReLU(),
    LeakyReLU(),
    Sigmoid(),
    Tanh(),
    Flatten(),
    Linear(3, 2, rng=0),
    Linear(3, 2, bias=False, rng=0),
    Dropout(0.5),
    Dropout(0.5).eval(),
    Softmax(),
    Sequential(Linear(3, 2, rng=0), ReLU()),
]


@pytest.mark.parametrize("layer", MY_LAYERS, ids=repr)
def test_backward_before_forward_raises(layer):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        layer.backward(np.ones((2, 2)))


def test_backward_before_forward_raises_for_conv_and_pooling():
    conv = pytest.importorskip("cnn_lib.layers.conv")
    pooling = pytest.importorskip("cnn_lib.layers.pooling")
    layers = [
        conv.Conv2d(1, 2, 3, rng=0),
        pooling.MaxPool2d(2),
        pooling.AvgPool2d(2),
        Sequential(conv.Conv2d(1, 2, 3, rng=0), ReLU()),
    ]
    for layer in layers:
        with pytest.raises(RuntimeError, match=r"called before forward"):
            layer.backward(np.ones((1, 2, 2, 2)))
