"""BatchNorm2d: equal to torch (training, eval, running statistics), gradients equal
finite differences, the naive backward equals the closed form, state is saved."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numerical_grad

import cnn_lib as cl
from cnn_lib.functional.batchnorm import batch_norm2d, batch_norm2d_backward

rng = np.random.default_rng(3)


def _batch_stats_forward(x, gamma, beta, eps=1e-5):
    return batch_norm2d(x, gamma, beta, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)), eps)


def test_training_output_has_mean_0_and_std_1_per_channel_by_hand():
    x = np.array([1.0, 3.0, 5.0, 7.0]).reshape(2, 1, 1, 2)  # mean 4, variance 5
    z = cl.BatchNorm2d(1)(x)
    assert np.allclose(z.ravel(), (np.array([1, 3, 5, 7]) - 4) / np.sqrt(5), atol=1e-5)


@pytest.mark.parametrize("impl", ["closed_form", "naive"])
def test_training_gradients_equal_finite_differences(impl):
    x, g = rng.normal(size=(3, 2, 4, 3)), rng.normal(size=(3, 2, 4, 3))
    gamma, beta = rng.normal(size=2), rng.normal(size=2)
    _, cache = _batch_stats_forward(x, gamma, beta)
    dx, dgamma, dbeta = batch_norm2d_backward(g, cache, batch_stats=True, impl=impl)

    def loss():
        return np.sum(g * _batch_stats_forward(x, gamma, beta)[0])

    assert np.allclose(dx, numerical_grad(loss, x), atol=1e-6)
    assert np.allclose(dgamma, numerical_grad(loss, gamma), atol=1e-6)
    assert np.allclose(dbeta, numerical_grad(loss, beta), atol=1e-6)


def test_the_naive_backward_equals_the_closed_form():
    x, g = rng.normal(size=(5, 3, 2, 2)) * 4 + 1, rng.normal(size=(5, 3, 2, 2))
    _, cache = _batch_stats_forward(x, rng.normal(size=3), rng.normal(size=3))
    naive = batch_norm2d_backward(g, cache, impl="naive")[0]
    closed = batch_norm2d_backward(g, cache, impl="closed_form")[0]
    assert np.allclose(naive, closed, atol=1e-12)
    with pytest.raises(ValueError, match="impl"):
        batch_norm2d_backward(g, cache, impl="fast")


def test_layer_in_training_and_eval_passes_gradcheck():
    layer = cl.BatchNorm2d(3)
    layer.weight.data = rng.normal(size=3).astype(np.float32)
    x = rng.normal(size=(4, 3, 3, 3))
    layer(x)  # move the running statistics away from 0 and 1
    assert cl.gradcheck(layer, x) < 1e-6  # gradcheck runs in eval mode
    model = cl.Sequential(cl.Conv2d(2, 3, 3, padding=1, rng=0), cl.BatchNorm2d(3), cl.ReLU())
    assert cl.gradcheck(model, rng.normal(size=(2, 2, 4, 4))) < 1e-6


def test_a_single_value_per_channel_in_training_is_refused_as_in_torch():
    layer = cl.BatchNorm2d(2)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(np.ones((1, 2, 1, 1)))
    assert layer.eval()(np.ones((1, 2, 1, 1))).shape == (1, 2, 1, 1)


def test_bad_arguments_and_inputs_are_refused():
    with pytest.raises(ValueError, match="num_features"):
        cl.BatchNorm2d(0)
    with pytest.raises(ValueError, match="momentum"):
        cl.BatchNorm2d(2, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        cl.BatchNorm2d(2, eps=0)
    with pytest.raises(ValueError, match="expected input with 2 channels, got 3"):
        cl.BatchNorm2d(2)(np.ones((2, 3, 2, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        cl.BatchNorm2d(2).backward(np.ones((2, 2, 2, 2)))


def test_running_statistics_are_in_the_state_dict_and_survive_save_and_load(tmp_path):
    model = cl.Sequential(cl.Conv2d(1, 2, 3, rng=0), cl.BatchNorm2d(2))
    model(rng.normal(size=(4, 1, 5, 5)) * 3 + 2)
    state = model.state_dict()
    assert {"1.running_mean", "1.running_var"} <= set(state)
    cl.save(model, tmp_path / "bn.npz")
    fresh = cl.Sequential(cl.Conv2d(1, 2, 3, rng=5), cl.BatchNorm2d(2))
    cl.load(fresh, tmp_path / "bn.npz")
    assert np.array_equal(fresh[1].running_mean, model[1].running_mean)
    assert np.array_equal(fresh[1].running_var, model[1].running_var)
    x = rng.normal(size=(2, 1, 5, 5))
    assert np.allclose(fresh.eval()(x), model.eval()(x))
    with pytest.raises(ValueError, match="running_var"):
        fresh.load_state_dict({**state, "1.running_var": np.ones(3)})


def test_equal_to_torch_over_several_steps_in_training_and_eval():
    torch = pytest.importorskip("torch")
    ours, theirs = cl.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2).double()
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    ours.weight.data, ours.bias.data = gamma.copy(), beta.copy()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(gamma))
        theirs.bias.copy_(torch.from_numpy(beta))
    ours.running_mean = ours.running_mean.astype(np.float64)
    ours.running_var = ours.running_var.astype(np.float64)
    for _step in range(3):
        x, g = rng.normal(size=(4, 3, 5, 5)) * 2 + 1, rng.normal(size=(4, 3, 5, 5))
        t = torch.from_numpy(x).requires_grad_(True)
        out = theirs(t)
        out.backward(torch.from_numpy(g))
        ours.zero_grad()
        assert np.allclose(ours(x), out.detach().numpy())
        assert np.allclose(ours.backward(g), t.grad.numpy())
        assert np.allclose(ours.weight.grad, theirs.weight.grad.numpy())
        assert np.allclose(ours.bias.grad, theirs.bias.grad.numpy())
        theirs.weight.grad = theirs.bias.grad = None
        assert np.allclose(ours.running_mean, theirs.running_mean.numpy())
        assert np.allclose(ours.running_var, theirs.running_var.numpy())
    x = rng.normal(size=(2, 3, 5, 5))
    assert np.allclose(ours.eval()(x), theirs.eval()(torch.from_numpy(x)).detach().numpy())
