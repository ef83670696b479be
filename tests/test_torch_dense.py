"""Dense layers, losses and optimizers against PyTorch (skipped when torch is absent)."""

from __future__ import annotations

import numpy as np
import pytest

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
from cnn_lib.functional.softmax import cross_entropy, log_softmax, softmax, softmax_backward
from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Parameter
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from cnn_lib.optim import SGD, Adam

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def torch_grad(fn, x, g):
    """Input gradient of torch's ``fn`` at ``x`` for upstream gradient ``g``."""
    xt = t(x, grad=True)
    fn(xt).backward(t(g))
    return xt.grad.numpy()


@pytest.mark.parametrize(
    ("ours", "ours_backward", "theirs"),
    [
        (relu, lambda g, x, y: relu_backward(g, x), torch.relu),
        (
            leaky_relu,
            lambda g, x, y: leaky_relu_backward(g, x),
            torch.nn.functional.leaky_relu,
        ),
        (sigmoid, lambda g, x, y: sigmoid_backward(g, y), torch.sigmoid),
        (tanh, lambda g, x, y: tanh_backward(g, y), torch.tanh),
        (softmax, lambda g, x, y: softmax_backward(g, y), lambda z: torch.softmax(z, dim=-1)),
        (
            log_softmax,
            lambda g, x, y: g - softmax(x) * g.sum(axis=-1, keepdims=True),
            lambda z: torch.log_softmax(z, dim=-1),
        ),
    ],
    ids=["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax"],
)
def test_elementwise_functions_and_gradients(ours, ours_backward, theirs):
    x = RNG.normal(scale=3, size=(4, 6))
    g = RNG.normal(size=(4, 6))
    y = ours(x)
    np.testing.assert_allclose(y, theirs(t(x)).detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        ours_backward(g, x, y), torch_grad(theirs, x, g), rtol=1e-10, atol=1e-14
    )


def test_linear_and_flatten_forward_and_gradients():
    x = RNG.normal(size=(5, 2, 3, 2))
    ours = Sequential(Flatten(), Linear(12, 4, rng=0))
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 4)).double()
    with torch.no_grad():
        theirs[1].weight.copy_(t(ours[1].weight.data))
        theirs[1].bias.copy_(t(ours[1].bias.data))
    for p in ours.parameters():
        p.data = p.data.astype(np.float64)
        p.grad = np.zeros_like(p.data)
    g = RNG.normal(size=(5, 4))
    xt = t(x, grad=True)
    yt = theirs(xt)
    yt.backward(t(g))
    np.testing.assert_allclose(ours(x), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.backward(g), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours[1].weight.grad, theirs[1].weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours[1].bias.grad, theirs[1].bias.grad.numpy(), rtol=1e-12)


def test_linear_init_matches_torch_bounds():
    # torch: kaiming_uniform(a=sqrt(5)) for the weight = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    theirs = torch.nn.Linear(300, 200)
    ours = Linear(300, 200, rng=0)
    assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(300)
    their_std = theirs.weight.detach().numpy().std()
    assert ours.weight.data.std() == pytest.approx(their_std, rel=0.02)


def test_cross_entropy_and_gradient():
    logits, targets = RNG.normal(scale=5, size=(7, 4)), RNG.integers(0, 4, 7)
    lt = t(logits, grad=True)
    expected = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
    expected.backward()
    assert cross_entropy(logits, targets) == pytest.approx(expected.item(), rel=1e-12)
    criterion = CrossEntropyLoss()
    criterion(logits, targets)
    np.testing.assert_allclose(criterion.backward(), lt.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(
    ("ours", "theirs", "make_targets"),
    [
        (MSELoss(), torch.nn.MSELoss(), lambda: RNG.normal(size=(3, 5))),
        (BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), lambda: RNG.uniform(size=(3, 5))),
    ],
    ids=["mse", "bce_with_logits"],
)
def test_elementwise_losses_and_gradients(ours, theirs, make_targets):
    outputs, targets = RNG.normal(scale=4, size=(3, 5)), make_targets()
    ot = t(outputs, grad=True)
    expected = theirs(ot, t(targets))
    expected.backward()
    assert ours(outputs, targets) == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(ours.backward(), ot.grad.numpy(), rtol=1e-10, atol=1e-15)


# --- optimizers: several steps with changing gradients -----------------------------------

OPTIMIZERS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}),
    ("adam", {}),
    ("adam", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-6}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("kind", "kwargs"), OPTIMIZERS, ids=[f"{k}-{kw}" for k, kw in OPTIMIZERS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimizer_steps_equal_torch(kind, kwargs, dtype):
    start = [RNG.normal(size=(3, 4)).astype(dtype), RNG.normal(size=4).astype(dtype)]
    ours = [Parameter(a.copy()) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    ours_opt = (SGD if kind == "sgd" else Adam)(ours, **kwargs)
    their_opt = (torch.optim.SGD if kind == "sgd" else torch.optim.Adam)(theirs, **kwargs)
    for step in range(6):
        # A gradient that depends on the weights and the step, so the paths can drift.
        for p, q in zip(ours, theirs, strict=True):
            grad = (np.sin(3 * p.data + step) + 0.1 * step).astype(dtype)
            p.grad[...] = grad
            q.grad = torch.tensor(grad)
        ours_opt.step()
        their_opt.step()
    tolerance = 1e-12 if dtype == np.float64 else 2e-5
    for p, q in zip(ours, theirs, strict=True):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=tolerance, atol=tolerance)


def test_a_training_step_of_a_small_mlp_equals_torch():
    x, y = RNG.normal(size=(8, 5)), RNG.integers(0, 3, 8)
    ours = Sequential(Linear(5, 6, rng=1), ReLU(), Linear(6, 3, rng=2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    ).double()
    with torch.no_grad():
        for (_, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
            p.data = p.data.astype(np.float64)
            p.grad = np.zeros_like(p.data)
            q.copy_(t(p.data))
    criterion = CrossEntropyLoss()
    ours_opt = SGD(ours.parameters(), lr=0.1, momentum=0.9)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        ours_opt.zero_grad()
        loss = criterion(ours(x), y)
        ours.backward(criterion.backward())
        ours_opt.step()
        their_opt.zero_grad()
        their_loss = torch.nn.functional.cross_entropy(theirs(t(x)), torch.tensor(y))
        their_loss.backward()
        their_opt.step()
        assert loss == pytest.approx(their_loss.item(), rel=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)
