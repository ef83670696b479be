"""Checked exercises of chapters 11-12: dropout and optimizers.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks the optimizer
steps against PyTorch's ``SGD`` and ``Adam``.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register


def _rng():
    return np.random.default_rng(2024)


# Chapter 11: dropout -----------------------------------------------------------------
def _dropout_case(p_drop):
    rng = _rng()
    x = rng.normal(size=(3, 6))
    r = (rng.random((3, 6)) >= p_drop).astype(float)  # 1 keeps a unit, 0 drops it
    return Case((x, r, p_drop), f"x (3, 6), a mask r, p_drop={p_drop}")


register(
    Exercise(
        label="drop-ex-inverted",
        chapter=11,
        task="inverted dropout in training: a = x * r / (1 - p_drop), r the 0/1 mask",
        signature="my_dropout(x, r, p_drop)",
        reference=lambda x, r, p_drop: x * r / (1 - p_drop),
        cases=lambda: [_dropout_case(0.25), _dropout_case(0.6)],
        mistakes=[
            Mistake(
                "forgot the 1 / (1 - p_drop) scaling",
                lambda x, r, p_drop: x * r,
                "scale the kept units up so the expected output stays x",
            ),
            Mistake(
                "divided by p_drop instead of 1 - p_drop",
                lambda x, r, p_drop: x * r / p_drop,
                "a unit is *kept* with probability 1 - p_drop: divide by that",
            ),
            Mistake(
                "multiplied by 1 - p_drop (the original, non-inverted rule)",
                lambda x, r, p_drop: x * r * (1 - p_drop),
                "inverted dropout scales up in training so evaluation needs no change",
            ),
        ],
        hints=["the expected value of r is 1 - p_drop"],
    )
)


# Chapter 12: optimizers --------------------------------------------------------------
def sgd_momentum(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad  # PyTorch's convention
    return theta - lr * velocity, velocity


def adam(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_eps_inside(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v


def _other_convention(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity - lr * grad  # lr folded into the velocity
    return theta + velocity, velocity


def _params():
    rng = _rng()
    return rng.normal(size=4), rng.normal(size=4), rng.normal(size=4) * 0.1


register(
    Exercise(
        label="opt-ex-sgd-momentum",
        chapter=12,
        task="one SGD step with momentum: v = mu v + g; theta = theta - eta v",
        signature="my_sgd_momentum_step(theta, grad, velocity, lr, momentum)",
        reference=sgd_momentum,
        cases=lambda: [Case((*_params(), 0.1, 0.9), "4 parameters, lr=0.1, momentum=0.9")],
        mistakes=[
            Mistake(
                "forgot the momentum (plain SGD)",
                lambda th, g, vel, lr, mu: (th - lr * g, g),
                "the velocity remembers past steps: v = mu * v + g",
            ),
            Mistake(
                "the other convention, v = mu v - eta g",
                _other_convention,
                "that convention gives the same step only if the velocity was stored"
                " the same way; this book and PyTorch store v = mu v + g",
            ),
            Mistake(
                "stepped with the old velocity",
                lambda th, g, vel, lr, mu: (th - lr * vel, mu * vel + g),
                "update the velocity first, then move theta by -lr times the new velocity",
            ),
        ],
        hints=["return the new parameters *and* the new velocity"],
    )
)

register(
    Exercise(
        label="opt-ex-adam",
        chapter=12,
        task="one Adam step at step number t (t = 1 for the first step)",
        signature="my_adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)",
        reference=adam,
        cases=lambda: [
            Case((*_params(), np.full(4, 0.01), 3, 0.01, 0.9, 0.999, 1e-8), "step t=3"),
            Case(
                (*_params(), np.full(4, 0.01), 3, 0.01, 0.9, 0.999, 0.1),
                "step t=3 with a large eps=0.1 (so where it goes matters)",
            ),
        ],
        mistakes=[
            Mistake(
                "forgot the bias correction",
                lambda th, g, m, v, t, lr, b1, b2, eps: adam(th, g, m, v, np.inf, lr, b1, b2, eps),
                "early averages are biased towards 0: divide m by 1 - beta1**t, v by 1 - beta2**t",
            ),
            Mistake(
                "put eps inside the square root",
                _adam_eps_inside,
                "PyTorch adds eps after the square root: sqrt(v_hat) + eps",
            ),
            Mistake(
                "counted steps from 0",
                lambda th, g, m, v, t, lr, b1, b2, eps: adam(th, g, m, v, t - 1, lr, b1, b2, eps),
                "t is 1 on the first step, so the bias correction never divides by 0",
            ),
        ],
        hints=["update m and v, correct their bias, then step"],
    )
)
