"""Checked exercises of chapter 6: pooling and the receptive field.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks every one against
SciPy, PyTorch, brute-force counting or finite differences.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register


def _rng():
    return np.random.default_rng(2024)


# Chapter 6: pooling ---------------------------------------------------------------------
def max_pool(x, k):
    n, c, h, w = x.shape
    cropped = x[:, :, : h // k * k, : w // k * k]
    return cropped.reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))


def max_pool_backward(g, x, k):
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*g.shape):
        window = x[n, c, i * k : i * k + k, j * k : j * k + k]
        u, v = np.unravel_index(np.argmax(window), window.shape)  # first max, as torch
        dx[n, c, i * k + u, j * k + v] += g[n, c, i, j]
    return dx


def _avg_pool(x, k):
    n, c, h, w = x.shape
    cropped = x[:, :, : h // k * k, : w // k * k]
    return cropped.reshape(n, c, h // k, k, w // k, k).mean(axis=(3, 5))


def _spread(g, x, k):
    """Copy each g[n, c, i, j] to all k*k cells of its window (rows left over get 0)."""
    spread = np.repeat(np.repeat(g, k, axis=2), k, axis=3)
    rest = ((0, 0), (0, 0), (0, x.shape[2] - spread.shape[2]), (0, x.shape[3] - spread.shape[3]))
    return np.pad(spread, rest)


def _pool_x():
    return _rng().permutation(2 * 2 * 5 * 4).reshape(2, 2, 5, 4).astype(np.float64)


register(
    Exercise(
        label="pool-ex-max-forward",
        chapter=6,
        task="max pooling with a k x k window and stride k on NCHW x",
        signature="my_max_pool2d(x, k)",
        reference=max_pool,
        cases=lambda: [Case((_pool_x(), 2), "x of shape (2, 2, 5, 4), k=2")],
        mistakes=[
            Mistake(
                "averaged instead of taking the maximum",
                _avg_pool,
                "max pooling keeps the largest value of each window: .max(), not .mean()",
            ),
            Mistake(
                "stride 1 instead of k",
                lambda x, k: windows(x, (k, k), axis=(2, 3)).max(axis=(4, 5)),
                "windows do not overlap: the stride equals the window size",
            ),
        ],
        hints=["H_out = H // k: a leftover row that does not fill a window is dropped"],
    )
)

register(
    Exercise(
        label="pool-ex-max-backward",
        chapter=6,
        task="backward of max pooling: route g to the position of each window's maximum",
        signature="my_max_pool2d_backward(g, x, k)",
        reference=max_pool_backward,
        cases=lambda: [
            Case((_rng().normal(size=(2, 2, 2, 2)), _pool_x(), 2), "x (2, 2, 5, 4), k=2")
        ],
        mistakes=[
            Mistake(
                "spread the gradient evenly (that is average pooling)",
                lambda g, x, k: _spread(g, x, k) / (k * k),
                "only the maximum influenced the output: it alone gets g",
            ),
            Mistake(
                "sent g to every cell of the window",
                _spread,
                "the other cells did not change the output: their gradient is 0",
            ),
        ],
        hints=["np.argmax of the window, then np.unravel_index, gives the winner's position"],
    )
)


def receptive_field(layers):
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump  # each layer widens the field by k-1 input steps
        jump *= s  # one step here is `jump` pixels of the image
    return size


register(
    Exercise(
        label="pool-ex-receptive-field",
        chapter=6,
        task="the receptive field of one output of a stack of (kernel, stride) layers",
        signature="my_receptive_field(layers)",
        reference=receptive_field,
        cases=lambda: [
            Case(([(3, 1), (3, 1)],), "two 3x3 convolutions"),
            Case(([(3, 1), (2, 2), (3, 1)],), "conv 3, pool 2, conv 3"),
            Case(([(5, 1), (2, 2), (5, 1), (2, 2)],), "LeNet: conv 5, pool 2, conv 5, pool 2"),
        ],
        mistakes=[
            Mistake(
                "ignored the strides",
                lambda layers: 1 + sum(k - 1 for k, _ in layers),
                "after a stride-2 layer, one step is two pixels of the image",
            ),
            Mistake(
                "multiplied the kernel sizes",
                lambda layers: int(np.prod([k for k, _ in layers])),
                "fields grow by adding (k - 1) x (product of earlier strides)",
            ),
        ],
        hints=["keep two numbers: the field's size and the jump (product of strides)"],
        rtol=0.0,
        atol=0.0,
    )
)
