"""Checked exercises of chapters 9-10: softmax, cross-entropy and backpropagation.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks every one against
SciPy, PyTorch or finite differences.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.exercises.ch01_03 import convolve_full, correlate_valid
from cnn_lib.exercises.registry import Case, Exercise, Mistake, register


def _rng():
    return np.random.default_rng(2024)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _logits_and_labels():
    rng = _rng()
    return rng.normal(size=(4, 5)) * 3, np.array([0, 3, 4, 3])


def _ce_cases():
    return [Case(_logits_and_labels(), "logits (4, 5) and labels [0, 3, 4, 3]")]


def cross_entropy(z, y):
    p = softmax(z)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def cross_entropy_grad(z, y):
    onehot = np.eye(z.shape[1])[y]
    return (softmax(z) - onehot) / len(y)


# Chapter 9: softmax and cross-entropy -------------------------------------------------
register(
    Exercise(
        label="sm-ex-softmax",
        chapter=9,
        task="a numerically stable softmax over the last axis of z (N, K)",
        signature="my_softmax(z)",
        reference=softmax,
        cases=lambda: [
            Case((_logits_and_labels()[0],), "logits of shape (4, 5)"),
            Case((np.array([[1000.0, 1001.0, 999.0]]),), "logits around 1000"),
        ],
        mistakes=[
            Mistake(
                "did not subtract the maximum",
                _naive_softmax,
                "exp(1000) overflows to inf: subtract z.max(axis=-1, keepdims=True) first",
            ),
            Mistake(
                "normalised over the batch axis",
                lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0),
                "each row (one sample) must sum to 1: use axis=-1 with keepdims=True",
            ),
        ],
        hints=["softmax(z) = softmax(z - c) for any constant c"],
    )
)

register(
    Exercise(
        label="sm-ex-cross-entropy",
        chapter=9,
        task="mean cross-entropy L = -mean_n log softmax(z_n)[y_n]",
        signature="my_cross_entropy(z, y)",
        reference=cross_entropy,
        cases=_ce_cases,
        mistakes=[
            Mistake(
                "summed over the batch instead of averaging",
                lambda z, y: cross_entropy(z, y) * len(y),
                "the loss is the *mean* over the batch",
            ),
            Mistake(
                "forgot the logarithm",
                lambda z, y: -np.mean(softmax(z)[np.arange(len(y)), y]),
                "cross-entropy is -log of the true class's probability",
            ),
            Mistake(
                "used the logit instead of the probability",
                lambda z, y: -np.mean(z[np.arange(len(y)), y]),
                "turn logits into probabilities with softmax before the log",
            ),
        ],
        hints=["pick each row's true-class probability with p[np.arange(N), y]"],
    )
)

register(
    Exercise(
        label="sm-ex-grad",
        chapter=9,
        task="dL/dz of the mean cross-entropy: (softmax(z) - onehot(y)) / N",
        signature="my_cross_entropy_grad(z, y)",
        reference=cross_entropy_grad,
        cases=_ce_cases,
        mistakes=[
            Mistake(
                "forgot to divide by N",
                lambda z, y: cross_entropy_grad(z, y) * len(y),
                "the loss is a mean over N samples, so each sample's gradient is divided by N",
            ),
            Mistake(
                "forgot to subtract the one-hot label",
                lambda z, y: softmax(z) / len(y),
                "the gradient is y_hat - y: subtract 1 at each sample's true class",
            ),
            Mistake(
                "the sign is flipped",
                lambda z, y: -cross_entropy_grad(z, y),
                "raising the true class's logit lowers the loss: its gradient is negative",
            ),
        ],
        hints=["np.eye(K)[y] builds the one-hot rows"],
    )
)


# Chapter 10: backpropagation through a convolution ---------------------------------------
def _conv_grad_case():
    rng = _rng()
    x, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 2))
    g = rng.normal(size=(3, 5))  # the shape of the valid output x ⋆ w
    return x, w, g


register(
    Exercise(
        label="bp-ex-conv-dw",
        chapter=10,
        task="dL/dw of z = x ⋆ w (valid), given x and g = dL/dz",
        signature="my_conv_dw(x, g)",
        reference=correlate_valid,
        cases=lambda: [Case(_conv_grad_case()[::2], "x (5, 6) and g (3, 5)")],
        mistakes=[
            Mistake(
                "flipped (convolved instead of correlated)",
                lambda x, g: correlate_valid(x, g[::-1, ::-1]),
                "dw[u, v] = sum_ij g[i, j] x[i+u, j+v]: a correlation of x with g, no flip",
            ),
            Mistake(
                "result transposed",
                lambda x, g: correlate_valid(x, g).T,
                "dw has the shape of w: (k_H, k_W)",
            ),
        ],
        hints=["each weight w[u, v] touched x[i+u, j+v] at every output (i, j)"],
    )
)

register(
    Exercise(
        label="bp-ex-conv-dx",
        chapter=10,
        task="dL/dx of z = x ⋆ w (valid), given g = dL/dz and w",
        signature="my_conv_dx(g, w)",
        reference=convolve_full,
        cases=lambda: [Case(_conv_grad_case()[:0:-1], "g (3, 5) and w (3, 2)")],
        mistakes=[
            Mistake(
                "no kernel flip",
                lambda g, w: convolve_full(g, w[::-1, ::-1]),
                "dx is a *full convolution* of g with w: the kernel ends up flipped",
            ),
            Mistake(
                "valid instead of full",
                lambda g, w: correlate_valid(g, w[::-1, ::-1]),
                "dx has the shape of x: pad g with k - 1 zeros on each side",
            ),
        ],
        hints=["every x[r, c] was used by each output whose window covered it"],
    )
)
