"""The array format every loader returns: float32 images in [0, 1], NCHW; int64 labels."""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_labels


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
    """Return ``labels`` as int64 ``(N,)``, checking they lie in ``[0, num_classes)``.

    The same check as every training entry point, with the file named in the message.
    """
    return check_labels(labels, num_classes, name=f"{source}: labels")
