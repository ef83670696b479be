"""Dense-side layers: activations, Flatten, Linear, Dropout, Softmax."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from cnn_lib.gradcheck import gradcheck
from cnn_lib.layers.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.layers.softmax import Softmax
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss


def away_from_zero(shape, seed=0):
    """Random values with |x| >= 0.1 (no finite difference straddles ReLU's kink)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# --- activation layers ------------------------------------------------------------

ACTIVATIONS = [
    (ReLU(), lambda x: np.maximum(x, 0)),
    (LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (LeakyReLU(0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    (Sigmoid(), expit),
    (Tanh(), np.tanh),
]


@pytest.mark.parametrize(("layer", "reference"), ACTIVATIONS, ids=repr)
def test_activation_layers_forward_and_gradcheck(layer, reference):
    x = away_from_zero((2, 3, 4, 4))
    np.testing.assert_allclose(layer(x), reference(x), rtol=1e-12)
    assert gradcheck(layer, x) < 1e-6


@pytest.mark.parametrize(("layer", "reference"), ACTIVATIONS, ids=repr)
def test_activation_layers_keep_float32(layer, reference):
    x = away_from_zero((3, 4)).astype(np.float32)
    assert layer(x).dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32


def test_leaky_relu_validates_and_reprs():
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(ReLU()) == "ReLU()"
    with pytest.raises(ValueError, match="negative_slope must be a number, got 'a'"):
        LeakyReLU("a")


# --- Flatten ------------------------------------------------------------------------


def test_flatten_is_c_order_like_torch():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    y = Flatten()(x)
    assert y.shape == (2, 60)
    for n, c, h, w in np.ndindex(x.shape):
        assert y[n, c * 20 + h * 5 + w] == x[n, c, h, w]


def test_flatten_backward_restores_the_shape():
    layer = Flatten()
    x = np.random.default_rng(1).normal(size=(2, 3, 2, 2))
    layer(x)
    g = np.arange(24.0).reshape(2, 12)
    np.testing.assert_array_equal(layer.backward(g), g.reshape(2, 3, 2, 2))
    assert gradcheck(layer, x) < 1e-6


def test_flatten_rejects_unbatched_vectors():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\).*x\[None\]"):
        Flatten()(np.zeros(5))


# --- Linear -------------------------------------------------------------------------


def test_linear_forward_equals_the_formula():
    layer = Linear(4, 3, rng=0)
    x = np.random.default_rng(1).normal(size=(5, 4))
    y = layer(x)
    w, b = layer.weight.data, layer.bias.data
    for n in range(5):
        for j in range(3):
            expected = sum(x[n, i] * w[j, i] for i in range(4)) + b[j]
            assert y[n, j] == pytest.approx(expected, rel=1e-6)


def test_linear_hand_worked_gradients():
    layer = Linear(2, 1, rng=0)
    layer.weight.data = np.array([[2.0, -1.0]])
    layer.bias.data = np.array([0.5])
    x = np.array([[1.0, 3.0], [2.0, 0.0]])
    np.testing.assert_allclose(layer(x), [[-0.5], [4.5]])
    layer.zero_grad()
    grad_input = layer.backward(np.array([[1.0], [2.0]]))
    np.testing.assert_allclose(grad_input, [[2, -1], [4, -2]])  # g_n * w
    np.testing.assert_allclose(layer.weight.grad, [[1 + 4, 3 + 0]])  # sum_n g_n x_n
    np.testing.assert_allclose(layer.bias.grad, [3.0])  # sum_n g_n


def test_linear_gradients_accumulate():
    layer = Linear(3, 2, rng=0)
    x = np.random.default_rng(2).normal(size=(4, 3))
    g = np.ones((4, 2))
    layer(x)
    layer.backward(g)
    first = layer.weight.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * first)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias):
    layer = Linear(5, 3, bias=bias, rng=0)
    assert (layer.bias is None) == (not bias)
    assert len(layer.parameters()) == (2 if bias else 1)
    assert gradcheck(layer, np.random.default_rng(3).normal(size=(4, 5))) < 1e-6


def test_linear_init_is_torch_like_and_seeded():
    layer = Linear(400, 300, rng=0)
    bound = 1 / np.sqrt(400)
    w = layer.weight.data
    assert w.shape == (300, 400) and w.dtype == np.float32
    assert layer.bias.data.shape == (300,) and layer.bias.data.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(layer.bias.data).max() <= bound
    # Uniform on [-b, b]: mean 0, standard deviation b / sqrt(3) (120,000 samples).
    assert abs(w.mean()) < 0.01 * bound
    assert w.std() == pytest.approx(bound / np.sqrt(3), rel=0.01)
    np.testing.assert_array_equal(Linear(400, 300, rng=0).weight.data, w)
    assert not np.array_equal(Linear(400, 300, rng=1).weight.data, w)
    generator = np.random.default_rng(5)
    a, b = Linear(3, 3, rng=generator), Linear(3, 3, rng=generator)
    assert not np.array_equal(a.weight.data, b.weight.data)  # one stream, two layers


def test_linear_dtype_promotion():
    layer = Linear(3, 2, rng=0)
    assert layer(np.ones((1, 3), dtype=np.float32)).dtype == np.float32
    assert layer(np.ones((1, 3), dtype=np.float64)).dtype == np.float64
    assert layer(np.ones((1, 3), dtype=np.uint8)).dtype == np.float32


def test_linear_validation_and_repr():
    layer = Linear(4, 2, rng=0)
    with pytest.raises(ValueError, match=r"Linear expected input with 4 features, got 3 \(shape"):
        layer(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"x must be 2-D.*x\[None\]"):
        layer(np.zeros(4))
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        Linear(0, 2)
    with pytest.raises(ValueError, match="out_features must be a positive integer"):
        Linear(2, 2.5)
    assert repr(Linear(4, 2, bias=False)) == "Linear(in_features=4, out_features=2, bias=False)"


# --- Dropout ------------------------------------------------------------------------


@pytest.mark.parametrize("p", [-0.1, 1, 1.5, "0.5", True, float("nan")])
def test_dropout_validates_p(p):
    with pytest.raises(ValueError, match=r"Dropout probability p must be a number in \[0, 1\)"):
        Dropout(p)


def test_dropout_is_identity_in_eval_mode():
    layer = Dropout(0.7, rng=0).eval()
    x = np.random.default_rng(0).normal(size=(4, 5))
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.ones_like(x))


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_drops_a_fraction_p_and_rescales(p):
    layer = Dropout(p, rng=0)
    x = np.ones((200, 500))  # 100,000 units: the kept fraction is within 0.5% of 1 - p
    y = layer(x)
    kept = y != 0
    assert kept.mean() == pytest.approx(1 - p, abs=0.005)
    np.testing.assert_allclose(y[kept], 1 / (1 - p))
    assert y.mean() == pytest.approx(1.0, abs=0.05)  # inverted dropout keeps the expectation
    np.testing.assert_array_equal(layer.mask, kept)


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, rng=1)
    x = np.random.default_rng(2).normal(size=(3, 8))
    y = layer(x)
    g = np.random.default_rng(3).normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(g), np.where(layer.mask, 2 * g, 0))
    np.testing.assert_allclose(y, np.where(layer.mask, 2 * x, 0))


def test_dropout_masks_are_reproducible_and_fresh_each_call():
    x = np.ones((10, 10))
    a, b = Dropout(0.5, rng=7), Dropout(0.5, rng=7)
    first = a(x)
    np.testing.assert_array_equal(first, b(x))
    assert not np.array_equal(first, a(x))


def test_dropout_keeps_float32_and_p0_is_identity():
    x = np.ones((4, 4), dtype=np.float32)
    assert Dropout(0.5, rng=0)(x).dtype == np.float32
    np.testing.assert_array_equal(Dropout(0.0, rng=0)(x), x)


def test_dropout_fixed_mask_makes_it_deterministic_and_checkable():
    x = away_from_zero((3, 6))
    mask = np.random.default_rng(4).random(x.shape) > 0.25
    layer = Dropout(0.25, rng=0)
    layer.fixed_mask = mask
    expected = np.where(mask, x / 0.75, 0)
    np.testing.assert_allclose(layer(x), expected)  # training mode
    np.testing.assert_allclose(layer.eval()(x), expected)  # eval mode too, by design
    assert gradcheck(layer.train(), x) < 1e-6
    layer.fixed_mask = None
    np.testing.assert_array_equal(layer.eval()(x), x)


def test_dropout_fixed_mask_shape_is_checked():
    layer = Dropout(0.5)
    layer.fixed_mask = np.ones((2, 2), dtype=bool)
    with pytest.raises(ValueError, match=r"fixed_mask must have the input's shape \(3, 3\)"):
        layer(np.ones((3, 3)))


def test_dropout_gradcheck_in_eval_mode_and_repr():
    assert gradcheck(Dropout(0.5, rng=0), away_from_zero((2, 5))) < 1e-6
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"


# --- Softmax layer -----------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_layer_forward_and_gradcheck(axis):
    layer = Softmax(axis=axis)
    x = np.random.default_rng(5).normal(size=(3, 4))
    np.testing.assert_allclose(layer(x), scipy_softmax(x, axis=axis), rtol=1e-12)
    assert gradcheck(layer, x) < 1e-6
    assert repr(layer) == f"Softmax(axis={axis})"


def test_a_small_mlp_passes_gradcheck():
    model = Sequential(
        Linear(6, 5, rng=0), Tanh(), Linear(5, 4, rng=1), LeakyReLU(0.1), Linear(4, 3, rng=2)
    )
    assert gradcheck(model, np.random.default_rng(6).normal(size=(2, 6))) < 1e-6


def test_float32_stays_float32_through_every_layer_and_loss():
    model = Sequential(
        Flatten(),
        Linear(12, 8, rng=0),
        LeakyReLU(),
        Dropout(0.3, rng=0),
        Sigmoid(),
        Tanh(),
        ReLU(),
        Linear(8, 4, rng=1),
        Softmax(),
    )
    x = away_from_zero((3, 3, 2, 2)).astype(np.float32)
    out = model(x)
    assert out.dtype == np.float32
    for criterion, targets in [
        (CrossEntropyLoss(), np.array([0, 3, 1])),
        (MSELoss(), np.zeros((3, 4))),
        (BCEWithLogitsLoss(), np.ones((3, 4))),
    ]:
        criterion(out, targets)
        grad = criterion.backward()
        assert grad.dtype == np.float32
        assert model.backward(grad).dtype == np.float32
        assert all(p.grad.dtype == np.float32 for p in model.parameters())
