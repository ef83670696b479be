"""Checked exercises of chapters 4-5: padding and stride, channels and filters.

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


# Chapter 4: padding and stride -----------------------------------------------------------
def output_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


register(
    Exercise(
        label="pad-ex-output-size",
        chapter=4,
        task="H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1",
        signature="my_output_size(n, k, s, p, d)",
        reference=output_size,
        cases=lambda: [
            Case(args, f"n={args[0]}, k={args[1]}, s={args[2]}, p={args[3]}, d={args[4]}")
            for args in [
                (28, 3, 1, 1, 1),
                (28, 5, 1, 0, 1),
                (7, 3, 2, 1, 1),
                (10, 3, 2, 0, 1),
                (32, 3, 1, 2, 2),
                (9, 3, 3, 1, 2),
            ]
        ],
        mistakes=[
            Mistake(
                "forgot the + 1",
                lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s,
                "a kernel that fits exactly once still gives one output: add 1",
            ),
            Mistake(
                "divided with / instead of //",
                lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1,
                "a window that does not fit is dropped: round down with //",
            ),
            Mistake(
                "padding counted on one side only",
                lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1,
                "p zeros go on *each* side: the padded size is n + 2p",
            ),
            Mistake(
                "dilation ignored",
                lambda n, k, s, p, d: (n + 2 * p - (k - 1) - 1) // s + 1,
                "a dilated kernel spans d(k - 1) + 1 pixels",
            ),
        ],
        hints=["count how far the kernel's first tap can move: H + 2p - d(k - 1) - 1"],
        rtol=0.0,
        atol=0.0,
    )
)

register(
    Exercise(
        label="pad-ex-pad2d",
        chapter=4,
        task="add p rows and columns of zeros on each side of the last two axes of NCHW x",
        signature="my_pad2d(x, p)",
        reference=lambda x, p: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))),
        cases=lambda: [
            Case((np.ones((1, 1, 2, 3)), 1), "a 1x1x2x3 array of ones, p=1"),
            Case((_rng().normal(size=(2, 3, 4, 4)), 2), "a 2x3x4x4 array, p=2"),
        ],
        mistakes=[
            Mistake(
                "padded every axis, also N and C",
                lambda x, p: np.pad(x, p),
                "only height and width get padded: pass ((0, 0), (0, 0), (p, p), (p, p))",
            ),
            Mistake(
                "padded one side only",
                lambda x, p: np.pad(x, ((0, 0), (0, 0), (0, p), (0, p))),
                "padding goes on both sides: (p, p) for each of the last two axes",
            ),
        ],
        hints=["np.pad takes one (before, after) pair per axis"],
    )
)


# Chapter 5: channels and filters ------------------------------------------------------
def conv2d(x, w, b):
    k_h, k_w = w.shape[2:]
    patches = windows(x, (k_h, k_w), axis=(2, 3))  # (N, C, H_out, W_out, k_h, k_w)
    return np.einsum("nchwuv,ocuv->nohw", patches, w) + b[None, :, None, None]


register(
    Exercise(
        label="ch-ex-conv2d",
        chapter=5,
        task="multi-channel convolution layer (stride 1, no padding) with bias",
        signature="my_conv2d(x, w, b)",
        reference=conv2d,
        cases=lambda: [
            Case(
                tuple(_rng().normal(size=s) for s in [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
                "x (2, 3, 5, 5), w (4, 3, 3, 3), b (4,)",
            )
        ],
        mistakes=[
            Mistake(
                "forgot the bias",
                lambda x, w, b: conv2d(x, w, 0 * b),
                "add b[o] to every output pixel of channel o",
            ),
            Mistake(
                "did not sum over the input channels",
                lambda x, w, b: conv2d(x[:, :1], w[:, :1], b),
                "each output channel sums the correlations of *all* C_in input channels",
            ),
            Mistake(
                "the kernel was flipped",
                lambda x, w, b: conv2d(x, w[..., ::-1, ::-1], b),
                "layers compute cross-correlation: no flip",
            ),
        ],
        hints=["z[n, o] = b[o] + sum over c of correlate(x[n, c], w[o, c])"],
    )
)

register(
    Exercise(
        label="ch-ex-macs",
        chapter=5,
        task="the number of multiply-adds of a conv layer (bias not counted)",
        signature="my_conv_macs(c_in, c_out, k, h_out, w_out)",
        reference=lambda c_in, c_out, k, h_out, w_out: c_out * h_out * w_out * c_in * k * k,
        cases=lambda: [
            Case((1, 8, 3, 28, 28), "Conv2d(1, 8, 3) on 28x28, padding 1"),
            Case((8, 16, 3, 14, 14), "Conv2d(8, 16, 3) on 14x14, padding 1"),
        ],
        mistakes=[
            Mistake(
                "forgot the input channels",
                lambda c_in, c_out, k, h, w: c_out * h * w * k * k,
                "each output pixel sums over C_in x k x k products",
            ),
            Mistake(
                "counted the weights, not the multiply-adds",
                lambda c_in, c_out, k, h, w: c_out * c_in * k * k,
                "every weight is used once per output position: multiply by H_out * W_out",
            ),
        ],
        hints=["one output value costs C_in * k * k multiply-adds"],
        rtol=0.0,
        atol=0.0,
    )
)
