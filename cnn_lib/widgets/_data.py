"""Images the explorers start from: a few from the embedded sample, or the reader's own."""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array
from cnn_lib.datasets import class_names, load_sample

#: Sample classes shown by default: T-shirt/top, trouser, sneaker, bag, ankle boot.
DEFAULT_CLASSES = (0, 1, 7, 8, 9)


def synthetic_image(size: int = 28) -> np.ndarray:
    """A square, a disc and a soft gradient: edges in every direction, no data needed."""
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    image = 0.25 * xx
    image[(yy > 0.15) & (yy < 0.5) & (xx > 0.15) & (xx < 0.5)] = 1.0
    image[(yy - 0.68) ** 2 + (xx - 0.66) ** 2 < 0.05] = 0.75
    return image.astype(np.float32)


def sample_images(classes=DEFAULT_CLASSES) -> list[tuple[str, np.ndarray]]:
    """The first test image of each class in ``classes`` as ``(name, (28, 28) array)``.

    Falls back to one synthetic image if the embedded sample is unavailable.
    """
    try:
        _, (x_test, y_test) = load_sample()
        names = class_names("sample")
    except FileNotFoundError:
        return [("synthetic", synthetic_image())]
    return [(names[c], x_test[np.flatnonzero(y_test == c)[0], 0]) for c in classes]


def image_list(images, name: str = "images") -> list[tuple[str, np.ndarray]]:
    """Normalise the reader's images to a list of ``(label, (H, W) float array)``.

    Accepts one image ``(H, W)``, a stack ``(N, H, W)`` or a batch ``(N, 1, H, W)``.
    """
    if images is None:
        return sample_images()
    x = as_float_array(images, name)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(
            f"{name} must be one image (H, W), a stack (N, H, W) or a batch (N, 1, H, W), "
            f"got shape {np.shape(images)}"
        )
    return [(f"image {i}", image) for i, image in enumerate(x)]
