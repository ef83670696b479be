"""Checked exercises of chapters 13-15: training, colour images, im2col.

Each reference is plain NumPy written for the checker, independent of
``cnn_lib``; ``tests/test_exercises_references.py`` checks each against
hand-worked arrays, brute-force loops or PyTorch.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

from cnn_lib.exercises.registry import Case, Exercise, Mistake, register


def _rng():
    return np.random.default_rng(2024)


# Chapter 13: training end to end -----------------------------------------------------
def _scores():
    rng = _rng()
    logits = rng.normal(size=(6, 4))
    labels = logits.argmax(axis=1)
    labels[[1, 4]] = (labels[[1, 4]] + 1) % 4  # two wrong predictions: accuracy 4/6
    return logits, labels


def confusion(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)  # row: true class, column: predicted
    return matrix


register(
    Exercise(
        label="train-ex-accuracy",
        chapter=13,
        task="the fraction of samples whose largest logit is the true class",
        signature="my_accuracy(logits, y)",
        reference=lambda logits, y: float(np.mean(logits.argmax(axis=1) == y)),
        cases=lambda: [Case(_scores(), "6 samples, 4 classes, 2 of them wrong")],
        mistakes=[
            Mistake(
                "returned a count, not a fraction",
                lambda logits, y: float(np.sum(logits.argmax(axis=1) == y)),
                "divide the number of hits by the number of samples (or use np.mean)",
            ),
            Mistake(
                "returned a percentage",
                lambda logits, y: 100 * float(np.mean(logits.argmax(axis=1) == y)),
                "accuracies in cnn_lib are fractions in [0, 1], as History records them",
            ),
        ],
        hints=["np.mean of a boolean array is the fraction of True"],
    )
)

register(
    Exercise(
        label="train-ex-confusion",
        chapter=13,
        task="the confusion matrix: entry [t, p] counts samples of class t predicted as p",
        signature="my_confusion_matrix(y_true, y_pred, num_classes)",
        reference=confusion,
        cases=lambda: [
            Case((np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3), "6 labels")
        ],
        mistakes=[
            Mistake(
                "rows and columns swapped",
                lambda t, p, k: confusion(t, p, k).T,
                "rows are the true classes, columns the predictions (as in chapter 13's plot)",
            ),
            Mistake(
                "rows normalised to fractions",
                lambda t, p, k: confusion(t, p, k) / confusion(t, p, k).sum(1, keepdims=True),
                "return counts; normalising is a separate, later step",
            ),
        ],
        hints=["loop over the pairs (t, p) and add 1 to matrix[t, p]"],
        rtol=0.0,
        atol=0.0,
    )
)


# Chapter 14: colour images ------------------------------------------------------------
def normalize(x):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)  # one mean per channel
    std = x.std(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / std


register(
    Exercise(
        label="colour-ex-normalize",
        chapter=14,
        task="standardise each channel of (N, C, H, W) images to mean 0 and std 1",
        signature="my_normalize(x)",
        reference=normalize,
        cases=lambda: [
            Case(
                (_rng().random((4, 3, 5, 5)) * np.array([1.0, 2.0, 0.5])[:, None, None],),
                "4 colour images 5x5 whose channels have different spreads",
            )
        ],
        mistakes=[
            Mistake(
                "one mean and std for all channels together",
                lambda x: (x - x.mean()) / x.std(),
                "red, green and blue get their own statistics: average over axes (0, 2, 3)",
            ),
            Mistake(
                "statistics per image instead of per channel",
                lambda x: (
                    (x - x.mean(axis=(2, 3), keepdims=True)) / x.std(axis=(2, 3), keepdims=True)
                ),
                "the statistics of a channel are taken over the whole batch: include axis 0",
            ),
            Mistake(
                "divided by the variance",
                lambda x: (
                    (x - x.mean(axis=(0, 2, 3), keepdims=True))
                    / x.var(axis=(0, 2, 3), keepdims=True)
                ),
                "divide by the standard deviation, the square root of the variance",
            ),
        ],
        hints=["keepdims=True keeps the statistics broadcastable against x"],
    )
)


# Chapter 15: im2col ----------------------------------------------------------------------
def im2col(x, k):
    patches = windows(x, (k, k), axis=(1, 2))  # (C, H_out, W_out, k, k)
    c, h_out, w_out = patches.shape[:3]
    return patches.transpose(0, 3, 4, 1, 2).reshape(c * k * k, h_out * w_out)


register(
    Exercise(
        label="fast-ex-im2col",
        chapter=15,
        task="im2col of one image (C, H, W): one column per output position, rows (c, u, v)",
        signature="my_im2col(x, k)",
        reference=im2col,
        cases=lambda: [Case((np.arange(2 * 4 * 5.0).reshape(2, 4, 5), 3), "x (2, 4, 5), k=3")],
        mistakes=[
            Mistake(
                "transposed (one row per output position)",
                lambda x, k: im2col(x, k).T,
                "cols has C*k*k rows so that w.reshape(C_out, -1) @ cols is the convolution",
            ),
            Mistake(
                "rows ordered (u, v, c): channel last",
                lambda x, k: (
                    windows(x, (k, k), axis=(1, 2))
                    .transpose(3, 4, 0, 1, 2)
                    .reshape(x.shape[0] * k * k, -1)
                ),
                "the rows must follow w.reshape(C_out, -1): channel first, then u, then v",
            ),
        ],
        hints=["column i * W_out + j holds the window under output (i, j), flattened"],
    )
)
