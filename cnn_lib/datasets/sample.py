"""The embedded default data set: a small, balanced Fashion-MNIST subset shipped in the package.

``load_sample()`` works offline and instantly: 6,000 training images (600 per
class) and 1,000 test images (100 per class), picked at random with a fixed
seed by ``scripts/make_sample.py`` from Zalando's Fashion-MNIST (MIT licence,
see ``data/LICENSE-fashion-mnist.txt``). Enough to train a small CNN to a
sensible accuracy in seconds, which is what the book's chapters need.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from cnn_lib.datasets.arrays import as_float_images, as_labels
from cnn_lib.datasets.cache import ChecksumError, check_sha256

SAMPLE_FILE = Path(__file__).resolve().parent / "data" / "fashion_mnist_sample.npz"
#: SHA-256 of SAMPLE_FILE, printed by scripts/make_sample.py.
SAMPLE_SHA256 = "881a5eb9bbe404ca7de13d20aeeaff35205fc4fe8ba6fededb59aeb43294cd22"


def load_sample():
    """Load the embedded Fashion-MNIST sample (no download, verified by SHA-256).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images float32 in ``[0, 1]``; labels int64 in ``0..9``, named by
        ``class_names("sample")``. Classes are balanced and shuffled.

    Shapes
    ------
    ``x_train: (6000, 1, 28, 28)``, ``y_train: (6000,)``,
    ``x_test: (1000, 1, 28, 28)``, ``y_test: (1000,)``.

    Raises
    ------
    ValueError
        If the embedded file was modified (its SHA-256 does not match).
    FileNotFoundError
        If the package was installed without its data file.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_sample()
    >>> x_train.shape, x_train.dtype, y_train.dtype
    ((6000, 1, 28, 28), dtype('float32'), dtype('int64'))
    """
    if not SAMPLE_FILE.is_file():
        raise FileNotFoundError(
            f"the embedded sample {SAMPLE_FILE} is missing; reinstall cnn_lib "
            "(or run scripts/make_sample.py in a source checkout)"
        )
    data = SAMPLE_FILE.read_bytes()
    try:
        check_sha256(data, SAMPLE_SHA256, str(SAMPLE_FILE))
    except ChecksumError as err:
        raise ChecksumError(
            f"{err}. The embedded sample was modified: reinstall cnn_lib, or "
            "regenerate it with scripts/make_sample.py"
        ) from None
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in ("x_train", "y_train", "x_test", "y_test")}
    source = str(SAMPLE_FILE)
    return (
        (as_float_images(arrays["x_train"][:, None]), as_labels(arrays["y_train"], 10, source)),
        (as_float_images(arrays["x_test"][:, None]), as_labels(arrays["y_test"], 10, source)),
    )
