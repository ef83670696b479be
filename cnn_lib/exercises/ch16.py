"""Checked exercises of chapter 16: batch normalization and cosine annealing.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks them against
hand-worked numbers and PyTorch's ``batch_norm`` and ``CosineAnnealingLR``.
"""

from __future__ import annotations

import math

import numpy as np

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register

AXES = (0, 2, 3)  # every axis but the channel's: one x̄_c and one var_c per channel


def _rng():
    return np.random.default_rng(2024)


# Batch normalization ------------------------------------------------------------------
def batch_norm(x, gamma, beta, eps=1e-5, axes=AXES, ddof=0, where_eps="inside"):
    """Training-mode batch norm; the keywords make the named mistakes."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, ddof=ddof, keepdims=True)
    if where_eps == "inside":
        std = np.sqrt(var + eps)
    elif where_eps == "outside":
        std = np.sqrt(var) + eps
    else:  # forgotten
        std = np.sqrt(var)
    x_hat = (x - mean) / std
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)


def _bn_case(shape, eps):
    rng = _rng()
    n, c, h, w = shape
    # Channel 1 has a tiny spread: there eps visibly changes the result.
    spread = np.array([1.0, 0.01, 3.0, 0.5][:c]).reshape(1, c, 1, 1)
    x = rng.normal(size=shape) * spread + rng.normal(size=(1, c, 1, 1))
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    args = (x, gamma, beta) if eps is None else (x, gamma, beta, eps)
    shown = "eps left at its default 1e-5" if eps is None else f"eps={eps}"
    return Case(args, f"x {shape}, one channel with a tiny spread, {shown}")


register(
    Exercise(
        label="beyond-ex-bn-forward",
        chapter=16,
        task=(
            "training-mode batch normalization of (N, C, H, W) activations: "
            "per-channel mean and biased variance over N, H, W, then scale and shift"
        ),
        signature="my_batch_norm(x, gamma, beta, eps=1e-5)",
        reference=batch_norm,
        cases=lambda: [_bn_case((4, 3, 5, 5), None), _bn_case((2, 2, 3, 3), 0.5)],
        mistakes=[
            Mistake(
                "unbiased variance (divided by N*H*W - 1)",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b, eps, ddof=1),
                "batch norm divides by the number of values N*H*W "
                "(np.var's default ddof=0), not by N*H*W - 1",
            ),
            Mistake(
                "statistics per image instead of per channel over the batch",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b, eps, axes=(2, 3)),
                "x̄_c and var_c are taken over the whole batch: average over axes (0, 2, 3)",
            ),
            Mistake(
                "statistics per pixel, over the batch axis only",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b, eps, axes=(0,)),
                "one mean per channel, not per pixel: average over the height and "
                "width too, axes (0, 2, 3)",
            ),
            Mistake(
                "forgot eps",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b, eps, where_eps="none"),
                "divide by sqrt(var_c + eps): eps keeps a channel of equal values "
                "from dividing by zero",
            ),
            Mistake(
                "eps added outside the square root",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b, eps, where_eps="outside"),
                "eps goes under the square root, sqrt(var_c + eps), as in PyTorch",
            ),
            Mistake(
                "eps fixed at 1e-5 instead of the eps argument",
                lambda x, g, b, eps=1e-5: batch_norm(x, g, b),
                "use the argument eps: BatchNorm2d(C, eps=...) lets the caller choose it",
            ),
        ],
        hints=[
            "x.mean(axis=(0, 2, 3), keepdims=True) has shape (1, C, 1, 1) and "
            "broadcasts against x; so does x.var(...)",
            "gamma.reshape(1, -1, 1, 1) lines the per-channel scale up with the channels",
        ],
    )
)


# Cosine annealing ---------------------------------------------------------------------
def cosine_lr(e, lr0, e_max, lr_min=0.0, wave=math.cos, turn=math.pi, half=0.5):
    """η_e of cosine annealing; the keywords make the named mistakes."""
    return lr_min + (lr0 - lr_min) * half * (1 + wave(turn * e / e_max))


register(
    Exercise(
        label="beyond-ex-cosine",
        chapter=16,
        task="the learning rate of cosine annealing after e of e_max epochs",
        signature="my_cosine_lr(e, lr0, e_max, lr_min=0.0)",
        reference=cosine_lr,
        cases=lambda: [
            Case((3, 0.1, 10, 0.001), "epoch 3 of e_max=10, lr0=0.1, lr_min=0.001"),
            Case((7, 0.05, 20), "epoch 7 of e_max=20, lr0=0.05, lr_min left at 0"),
            Case((0, 0.1, 10, 0.001), "epoch 0 (the start)"),
            Case((10, 0.1, 10, 0.001), "epoch 10 of e_max=10 (the end)"),
        ],
        mistakes=[
            Mistake(
                "cos(e / e_max), without π",
                lambda e, lr0, e_max, lr_min=0.0: cosine_lr(e, lr0, e_max, lr_min, turn=1),
                "the angle runs from 0 to π over the schedule: cos(π e / e_max)",
            ),
            Mistake(
                "sin instead of cos",
                lambda e, lr0, e_max, lr_min=0.0: cosine_lr(e, lr0, e_max, lr_min, wave=math.sin),
                "use the cosine: it starts at 1 (η_0) and ends at -1 (η_min)",
            ),
            Mistake(
                "forgot the 1/2",
                lambda e, lr0, e_max, lr_min=0.0: cosine_lr(e, lr0, e_max, lr_min, half=1),
                "1 + cos goes from 2 to 0: halve it so the rate starts at η_0",
            ),
        ],
        hints=[
            "check both ends: at e = 0 the formula must give lr0, at e = e_max lr_min",
            "math.cos and math.pi are enough; e / e_max is the fraction of the schedule done",
        ],
    )
)
