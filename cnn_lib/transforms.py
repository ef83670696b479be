"""Data augmentation and normalization for batches of images.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb). Every
transform takes a whole batch ``(N, C, H, W)`` and treats its images
independently, without a Python loop over them; the random ones draw from
their own ``rng``, so a seed makes a training run repeatable.
``cnn_lib.fit(..., transform=...)`` applies a transform to training batches
only: the validation and test images stay as they are.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnn_lib._validation import as_float_array, check_ndim, check_positive_int


def _images(x, who):
    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", f"(N, C, H, W) for {who}")
    return x


def _probability(p, who):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{who} p must be a probability in [0, 1], got {p!r}")
    return float(p)


class RandomCrop:
    """Pad each image with zeros, then cut a random ``size x size`` window from it.

    Each image gets its own offset, drawn uniformly: the network sees the
    object shifted by up to ``padding`` pixels.

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, size, size)``

    Examples
    --------
    >>> crop = RandomCrop(28, padding=2, rng=0)
    >>> crop(np.ones((5, 1, 28, 28))).shape
    (5, 1, 28, 28)
    """

    def __init__(self, size, padding=0, rng=None):
        self.size = check_positive_int(size, "size")
        if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
            raise ValueError(f"RandomCrop padding must be an integer >= 0, got {padding!r}")
        self.padding = int(padding)
        self.rng = np.random.default_rng(rng)

    def __call__(self, x):
        x = _images(x, "RandomCrop")
        p, s = self.padding, self.size
        padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        free_h, free_w = padded.shape[2] - s, padded.shape[3] - s
        if free_h < 0 or free_w < 0:
            raise ValueError(
                f"RandomCrop size {s} is larger than the padded image "
                f"{padded.shape[2]}x{padded.shape[3]}; use a smaller size or more padding"
            )
        top = self.rng.integers(0, free_h + 1, len(x))
        left = self.rng.integers(0, free_w + 1, len(x))
        windows = sliding_window_view(padded, (s, s), axis=(2, 3))  # (N, C, ., ., s, s)
        return windows[np.arange(len(x)), :, top, left].copy()  # image n's own window

    def __repr__(self) -> str:
        return f"RandomCrop({self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p``.

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H, W)``
    """

    def __init__(self, p=0.5, rng=None):
        self.p = _probability(p, "RandomHorizontalFlip")
        self.rng = np.random.default_rng(rng)

    def __call__(self, x):
        x = _images(x, "RandomHorizontalFlip")
        flip = self.rng.random(len(x)) < self.p
        return np.where(flip[:, None, None, None], x[..., ::-1], x)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Normalize:
    """Standardize each channel: ``(x[:, c] - mean[c]) / std[c]``.

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H, W)``; ``mean, std``: one number per channel.
    """

    def __init__(self, mean, std):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float32))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float32))
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError(
                f"Normalize needs one mean and one std per channel, got mean {self.mean.shape} "
                f"and std {self.std.shape}"
            )
        if not np.all(self.std > 0):
            raise ValueError(f"Normalize std must be positive, got {self.std.tolist()}")

    def __call__(self, x):
        x = _images(x, "Normalize")
        if x.shape[1] != len(self.mean):
            raise ValueError(
                f"Normalize has statistics for {len(self.mean)} channels, "
                f"got images with {x.shape[1]} (shape {x.shape})"
            )
        mean, std = self.mean.reshape(1, -1, 1, 1), self.std.reshape(1, -1, 1, 1)
        return ((x - mean) / std).astype(x.dtype)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Compose:
    """Apply transforms one after another: ``Compose([a, b])(x) == b(a(x))``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise ValueError(f"Compose needs callables, got {type(t).__name__}")

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(map(repr, self.transforms)) + "])"
