"""Checked exercises of chapters 7-8: activations, flatten and dense layers.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks every one against
PyTorch, NumPy's own index functions or finite differences.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register


def _rng():
    return np.random.default_rng(2024)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _g_and_x():
    rng = _rng()
    x = rng.normal(size=(3, 4))
    x[0, :2] = 0.0  # exact zeros: where ReLU's gradient convention shows
    return rng.normal(size=(3, 4)), x


# Chapter 7: activations -----------------------------------------------------------------
register(
    Exercise(
        label="act-ex-relu-backward",
        chapter=7,
        task="the gradient of ReLU: dL/dx = g where x > 0, else 0",
        signature="my_relu_backward(g, x)",
        reference=lambda g, x: g * (x > 0),
        cases=lambda: [Case(_g_and_x(), "g and x of shape (3, 4), two zeros in x")],
        mistakes=[
            Mistake(
                "forgot to multiply by the incoming gradient g",
                lambda g, x: (x > 0).astype(float),
                "the chain rule multiplies the local slope (0 or 1) by g",
            ),
            Mistake(
                "used x >= 0",
                lambda g, x: g * (x >= 0),
                "at exactly 0 this book (and PyTorch) uses slope 0: write x > 0",
            ),
            Mistake(
                "tested the sign of g instead of x",
                lambda g, x: g * (g > 0),
                "which units were active depends on the forward input x, not on g",
            ),
        ],
        hints=["the local slope of ReLU is 1 where x > 0 and 0 elsewhere"],
    )
)

register(
    Exercise(
        label="act-ex-sigmoid-backward",
        chapter=7,
        task="the gradient of the sigmoid: dL/dx = g * s * (1 - s), s = sigmoid(x)",
        signature="my_sigmoid_backward(g, x)",
        reference=lambda g, x: g * _sigmoid(x) * (1 - _sigmoid(x)),
        cases=lambda: [Case(_g_and_x(), "g and x of shape (3, 4)")],
        mistakes=[
            Mistake(
                "used sigmoid(x) as the slope",
                lambda g, x: g * _sigmoid(x),
                "the slope of the sigmoid is s(1 - s), not s",
            ),
            Mistake(
                "applied s(1 - s) to x itself",
                lambda g, x: g * x * (1 - x),
                "s(1 - s) takes the sigmoid's *output* s = sigmoid(x), not x",
            ),
            Mistake(
                "forgot to multiply by g",
                lambda g, x: _sigmoid(x) * (1 - _sigmoid(x)),
                "the chain rule multiplies the local slope by the incoming gradient g",
            ),
        ],
        hints=["compute s = 1 / (1 + np.exp(-x)) first"],
    )
)


# Chapter 8: flatten and dense -------------------------------------------------------
def unflatten_index(index, shape):
    c_count, h, w = shape
    return index // (h * w), (index // w) % h, index % w


register(
    Exercise(
        label="dense-ex-unflatten-index",
        chapter=8,
        task="which (c, i, j) of a (C, H, W) feature map lands at a flat index (C order)",
        signature="my_unflatten_index(index, shape)",
        reference=unflatten_index,
        cases=lambda: [
            Case((index, (3, 4, 5)), f"index {index} of shape (3, 4, 5)") for index in (7, 23, 59)
        ],
        mistakes=[
            Mistake(
                "column-major (Fortran) order",
                lambda index, shape: tuple(np.unravel_index(index, shape, order="F")),
                "Flatten keeps C order: the last axis (j) changes fastest",
            ),
            Mistake(
                "swapped the height and the width",
                lambda index, shape: (
                    index // (shape[1] * shape[2]),
                    (index // shape[1]) % shape[2],
                    index % shape[1],
                ),
                "a row holds W values: j = index % W and i = (index // W) % H",
            ),
        ],
        hints=["one channel holds H * W values; one row holds W values"],
        rtol=0.0,
        atol=0.0,
    )
)


def linear_backward(g, x, w):
    return g @ w, g.T @ x, g.sum(axis=0)


def _linear_case():
    rng = _rng()
    return Case(
        (rng.normal(size=(4, 3)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))),
        "g (4, 3), x (4, 5), w (3, 5)",
    )


register(
    Exercise(
        label="dense-ex-linear-backward",
        chapter=8,
        task="gradients (dx, dw, db) of z = x w^T + b, given g = dL/dz",
        signature="my_linear_backward(g, x, w)",
        reference=linear_backward,
        cases=lambda: [_linear_case()],
        mistakes=[
            Mistake(
                "dw transposed",
                lambda g, x, w: (g @ w, x.T @ g, g.sum(axis=0)),
                "dw has the shape of w, (out, in): g^T x",
            ),
            Mistake(
                "averaged db over the batch",
                lambda g, x, w: (g @ w, g.T @ x, g.mean(axis=0)),
                "each sample adds its own g to db: sum over the batch axis",
            ),
            Mistake(
                "forgot db",
                lambda g, x, w: (g @ w, g.T @ x, np.zeros(g.shape[1])),
                "z depends on b directly: db is the sum of g over the batch",
            ),
        ],
        hints=["return three arrays with the shapes of x, w and b"],
    )
)
