"""Optimizers: hand-worked updates, dtypes, in-place updates and validation.

The step-by-step equality with ``torch.optim`` is in ``test_torch_dense.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib.layers.linear import Linear
from cnn_lib.layers.module import Parameter
from cnn_lib.optim import SGD, Adam, Optimizer


def param(values, grad, dtype=np.float64):
    p = Parameter(np.array(values, dtype=dtype))
    p.grad[...] = grad
    return p


def test_sgd_plain_step():
    w = param([1.0, -2.0], [2.0, 4.0])
    SGD([w], lr=0.1).step()
    np.testing.assert_allclose(w.data, [0.8, -2.4])


def test_sgd_momentum_hand_worked():
    # Constant gradient 1, lr 0.1, momentum 0.9: v = 1, 1.9, 2.71 (v starts at g, as in torch).
    w = param([1.0], [1.0])
    opt = SGD([w], lr=0.1, momentum=0.9)
    expected = [0.9, 0.71, 0.439]
    for value in expected:
        opt.step()
        assert w.data[0] == pytest.approx(value)


def test_sgd_weight_decay_is_l2_added_to_the_gradient():
    w = param([2.0], [0.0])
    SGD([w], lr=0.1, weight_decay=0.5).step()  # g = 0 + 0.5 * 2 = 1
    assert w.data[0] == pytest.approx(1.9)
    assert w.grad[0] == 0  # the stored gradient is not modified


def test_adam_constant_gradient_moves_lr_per_step():
    # With a constant g, both bias-corrected averages equal g and g**2 exactly,
    # so each step is lr * g / (|g| + eps), whatever the size of g.
    w = param([1.0], [5.0])
    opt = Adam([w], lr=0.1)
    for _ in range(3):
        opt.step()
    assert w.data[0] == pytest.approx(1 - 3 * 0.1 * 5 / (5 + 1e-8), rel=1e-12)


def test_adam_hand_worked_two_steps_with_changing_gradient():
    beta1, beta2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    w = param([0.0], [1.0])
    opt = Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.step()
    w.grad[...] = 3.0
    opt.step()
    m = beta1 * (1 - beta1) * 1 + (1 - beta1) * 3
    v = beta2 * (1 - beta2) * 1 + (1 - beta2) * 9
    m_hat, v_hat = m / (1 - beta1**2), v / (1 - beta2**2)
    expected = -lr * 1 / (1 + eps) - lr * m_hat / (np.sqrt(v_hat) + eps)
    assert w.data[0] == pytest.approx(expected, rel=1e-10)


def test_adam_minimizes_a_quadratic():
    target = np.array([3.0, -1.0])
    w = Parameter(np.zeros(2))
    opt = Adam([w], lr=0.1)
    for _ in range(500):
        w.grad[...] = 2 * (w.data - target)
        opt.step()
    np.testing.assert_allclose(w.data, target, atol=1e-3)


OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "sgd_momentum_wd", "adam_wd"])
def test_updates_are_in_place_and_keep_float32(make):
    layer = Linear(3, 2, rng=0)
    arrays = [p.data for p in layer.parameters()]
    before = [a.copy() for a in arrays]
    opt = make(layer.parameters())
    for _ in range(2):
        for p in layer.parameters():
            p.grad[...] = 0.5
        opt.step()
    for p, array, old in zip(layer.parameters(), arrays, before, strict=True):
        assert p.data is array  # updated in place: views and references stay valid
        assert p.data.dtype == np.float32
        assert not np.array_equal(p.data, old)


def test_zero_grad_and_generator_params():
    layer = Linear(3, 2, rng=0)
    opt = SGD((p for p in layer.parameters()), lr=0.1)
    for p in layer.parameters():
        p.grad[...] = 1
    opt.zero_grad()
    assert all(not p.grad.any() for p in layer.parameters())
    assert len(opt.params) == 2


def test_reprs():
    ps = Linear(2, 2, rng=0).parameters()
    assert repr(SGD(ps, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, weight_decay=0.0)"
    assert repr(Adam(ps)) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: SGD(ps, lr=0), r"lr must be in \(0, inf\), got 0"),
        (lambda ps: SGD(ps, lr=-0.1), r"lr must be in \(0, inf\), got -0.1"),
        (lambda ps: SGD(ps, lr=float("nan")), "lr must be in"),
        (lambda ps: SGD(ps, lr="0.1"), "lr must be a number, got '0.1'"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), r"momentum must be in \[0, 1\), got -0.5"),
        (lambda ps: SGD(ps, lr=0.1, momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), r"weight_decay must be in \[0, inf\)"),
        (lambda ps: Adam(ps, betas=(0.9,)), r"betas must be a pair"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\), got 1.0"),
        (lambda ps: Adam(ps, eps=-1e-8), r"eps must be in \[0, inf\)"),
        (lambda ps: Adam(ps, lr=0), r"lr must be in \(0, inf\)"),
        (lambda ps: SGD([], lr=0.1), "params is empty"),
        (lambda ps: SGD([np.zeros(2)], lr=0.1), r"params\[0\] must be a Parameter, got ndarray"),
        (lambda ps: SGD(Linear(2, 2), lr=0.1), r"got a Linear module; pass model.parameters\(\)"),
        (
            lambda ps: SGD(Linear(2, 2).parameters, lr=0.1),
            r"got the function 'parameters' itself; call it: pass model.parameters\(\)",
        ),
        (lambda ps: SGD(ps[0], lr=0.1), r"got a single Parameter; pass \[p\]"),
        (lambda ps: SGD(None, lr=0.1), r"params must be a list of Parameters, got NoneType"),
        (lambda ps: SGD(3, lr=0.1), r"params must be a list of Parameters, got int"),
        (lambda ps: SGD([ps[0], ps[1], ps[0]], lr=0.1), r"params\[2\] is the same Parameter as"),
        (lambda ps: Adam([*ps, *ps]), r"params\[2\] is the same Parameter as params\[0\]"),
    ],
)
def test_validation(make, message):
    with pytest.raises(ValueError, match=message):
        make(Linear(2, 2, rng=0).parameters())


def test_base_optimizer_step_is_abstract():
    optimizer = Optimizer(Linear(2, 2).parameters(), lr=0.1)
    assert repr(optimizer) == "Optimizer(lr=0.1)"
    with pytest.raises(NotImplementedError):
        optimizer.step()


def test_a_parameter_listed_twice_is_refused_not_stepped_twice():
    p = Parameter(np.array([1.0]))
    p.grad[:] = 1.0
    with pytest.raises(ValueError, match="same Parameter"):
        SGD([p, p], lr=0.5)
    assert p.data.tolist() == [1.0]


def test_lr_is_a_mutable_attribute_used_by_the_next_step():
    p = Parameter(np.array([1.0]))
    optimizer = SGD([p], lr=0.1)
    p.grad[:] = 2.0
    optimizer.step()  # 1 - 0.1 * 2
    optimizer.lr = 0.25  # what a scheduler does
    optimizer.step()  # 0.8 - 0.25 * 2
    np.testing.assert_allclose(p.data, [0.3])
