"""Checked exercises of chapters 1-3: how checks work, images as arrays, convolution.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks every one against
SciPy, PyTorch, brute-force counting or finite differences.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register

# A small asymmetric kernel: flipping it changes every output, so a missing or
# extra flip is always caught.
KERNEL = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]])


def _rng():
    return np.random.default_rng(2024)


# Chapter 1: how checks work ----------------------------------------------------------
register(
    Exercise(
        label="quick-ex-square",
        chapter=1,
        task="square every element of an array",
        signature="my_square(x)",
        reference=lambda x: x * x,
        cases=lambda: [
            Case((np.array([1.0, -2.0, 3.0]),), "x = [1, -2, 3]"),
            Case((np.arange(6.0).reshape(2, 3) - 2,), "a 2x3 array"),
        ],
        mistakes=[
            Mistake("doubled instead of squared", lambda x: 2 * x, "x ** 2 is x * x, not 2 * x"),
            Mistake("returned x unchanged", lambda x: x, "multiply x by itself"),
        ],
        hints=["x * x or x ** 2 works on a whole NumPy array at once"],
    )
)


# Chapter 2: images as arrays -----------------------------------------------------------
def to_nchw(images):
    return images[:, None, :, :].astype(np.float32) / 255.0


register(
    Exercise(
        label="img-ex-to-nchw",
        chapter=2,
        task="turn uint8 images (N, H, W) into float images (N, 1, H, W) in [0, 1]",
        signature="my_to_nchw(images)",
        reference=to_nchw,
        cases=lambda: [
            Case((_rng().integers(0, 256, (2, 4, 5), dtype=np.uint8),), "two 4x5 images"),
            Case((np.full((1, 3, 3), 255, dtype=np.uint8),), "one white 3x3 image"),
        ],
        mistakes=[
            Mistake(
                "forgot to divide by 255",
                lambda im: im[:, None].astype(np.float32),
                "pixels are 0-255 as uint8; divide by 255 to bring them into [0, 1]",
            ),
            Mistake(
                "channel axis at the end (NHWC)",
                lambda im: im[..., None].astype(np.float32) / 255,
                "NCHW puts the channel axis second: images[:, None, :, :]",
            ),
            Mistake(
                "no channel axis",
                lambda im: im.astype(np.float32) / 255,
                "a layer expects (N, C, H, W): add the channel axis with images[:, None]",
            ),
        ],
        hints=["two steps: add an axis with [:, None] and scale with / 255"],
    )
)


# Chapter 3: convolution ------------------------------------------------------------------
def correlate_valid(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * w)
    return out


def convolve_full(x, w):
    kh, kw = w.shape
    padded = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return correlate_valid(padded, w[::-1, ::-1])


def _conv_cases():
    rng = _rng()
    return [
        Case((np.arange(25.0).reshape(5, 5), KERNEL), "a 5x5 input and a 3x3 kernel"),
        Case((rng.normal(size=(6, 7)), rng.normal(size=(2, 3))), "a 6x7 input, a 2x3 kernel"),
    ]


register(
    Exercise(
        label="conv-ex-correlate",
        chapter=3,
        task="valid cross-correlation z[i, j] = sum_u sum_v x[i+u, j+v] w[u, v]",
        signature="my_correlate2d(x, w)",
        reference=correlate_valid,
        cases=_conv_cases,
        mistakes=[
            Mistake(
                "the kernel was flipped (that is convolution)",
                lambda x, w: correlate_valid(x, w[::-1, ::-1]),
                "cross-correlation uses w[u, v] as it is; only true convolution flips it",
            ),
            Mistake(
                "output one row and one column too small",
                lambda x, w: correlate_valid(x, w)[:-1, :-1],
                "a valid output has H - k + 1 rows: loop over range(H - k + 1)",
            ),
            Mistake(
                "output transposed",
                lambda x, w: correlate_valid(x, w).T,
                "row i of the output comes from rows i .. i+k-1 of x",
            ),
        ],
        hints=[
            "the output has (H - k_H + 1) x (W - k_W + 1) cells",
            "each cell is np.sum(x[i:i+k_H, j:j+k_W] * w)",
        ],
    )
)

register(
    Exercise(
        label="conv-ex-convolve-full",
        chapter=3,
        task="full true convolution of x with w (kernel flipped, every overlap)",
        signature="my_convolve2d_full(x, w)",
        reference=convolve_full,
        cases=_conv_cases,
        mistakes=[
            Mistake(
                "no kernel flip",
                lambda x, w: convolve_full(x, w[::-1, ::-1]),
                "true convolution flips the kernel: use w[::-1, ::-1]",
            ),
            Mistake(
                "valid size instead of full",
                lambda x, w: correlate_valid(x, w[::-1, ::-1]),
                "'full' keeps every partial overlap: pad x with k - 1 zeros on each side first",
            ),
        ],
        hints=["pad x with k_H - 1 rows and k_W - 1 columns of zeros, then correlate"],
    )
)
