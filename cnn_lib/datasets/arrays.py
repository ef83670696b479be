"""The array format every loader returns: float32 images in [0, 1], NCHW; int64 labels."""

from __future__ import annotations

import numpy as np


def as_float_images(pixels: np.ndarray) -> np.ndarray:
    """Turn ``uint8`` pixels ``(N, C, H, W)`` into float32 values in ``[0, 1]``.

    Examples
    --------
    >>> as_float_images(np.array([[[[0, 255]]]], dtype=np.uint8))
    array([[[[0., 1.]]]], dtype=float32)
    """
    images = pixels.astype(np.float32)
    images /= np.float32(255)
    return images


def as_labels(labels: np.ndarray, num_classes: int, source: str) -> np.ndarray:
    """Return ``labels`` as int64 ``(N,)``, checking they lie in ``[0, num_classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{source}: labels must be 1-D (N,), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{source}: labels must lie in [0, {num_classes - 1}], "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels.astype(np.int64)
