"""MNIST and Fashion-MNIST: 70,000 grayscale 28x28 images in 10 classes, from IDX files.

Taught in chapter 2, Images as arrays (``load_sample`` is a Fashion-MNIST subset).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.datasets.arrays import as_float_images, as_labels
from cnn_lib.datasets.cache import fetch, verified_idx, with_delete_hint
from cnn_lib.datasets.sources import SOURCES

TRAIN_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _read_split(key: str, paths: dict, images_name: str, labels_name: str):
    """Read, verify and convert one (images, labels) pair of IDX files."""
    source = SOURCES[key]

    def read(name):  # streamed; stops at the known size and checks the SHA-256
        return with_delete_hint(
            verified_idx, paths[name], source.files[name], source.sizes.get(name)
        )

    images, labels = read(images_name), read(labels_name)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{paths[images_name]}: expected uint8 images of shape (N, H, W), "
            f"got {images.dtype} array of shape {images.shape}"
        )
    if labels.shape != images.shape[:1]:
        raise ValueError(
            f"{paths[labels_name]}: expected {images.shape[0]} labels to match the images, "
            f"got shape {labels.shape}"
        )
    # (N, H, W) -> (N, 1, H, W): one grayscale channel.
    return as_float_images(images[:, None]), as_labels(labels, 10, str(paths[labels_name]))


def _load(key: str, root, download: bool, base_url, progress: bool, timeout):
    paths = fetch(
        key, root=root, download=download, base_url=base_url, progress=progress, timeout=timeout
    )
    return _read_split(key, paths, *TRAIN_FILES), _read_split(key, paths, *TEST_FILES)


def load_mnist(
    root=None, download: bool = True, base_url: str | None = None, progress=True, timeout=None
):
    """Load the MNIST handwritten digits (60,000 training and 10,000 test images).

    Parameters
    ----------
    root : str or os.PathLike, optional
        Cache folder (files go to ``root/mnist/``). Default: ``$CNN_LIB_DATA``,
        else ``$XDG_CACHE_HOME/cnn_lib`` or ``~/.cache/cnn_lib``.
    download : bool
        Download missing files (about 11 MB). With ``False``, missing files raise.
    base_url : str, optional
        A mirror serving the four ``.gz`` files; default ``$CNN_LIB_MNIST_URL``,
        else ``$CNN_LIB_DATA_URL/mnist``, else the public mirrors.
    progress : bool
        Show a progress bar while downloading.
    timeout : float, optional
        Total seconds allowed to download each file (not per network read);
        default ``$CNN_LIB_TIMEOUT``, else 300.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images float32 in ``[0, 1]``; labels int64 digits 0-9.

    Shapes
    ------
    ``x_train: (60000, 1, 28, 28)``, ``y_train: (60000,)``,
    ``x_test: (10000, 1, 28, 28)``, ``y_test: (10000,)``.

    Raises
    ------
    DatasetNotFoundError
        (a ``FileNotFoundError``) if files are missing and cannot be downloaded
        (no network, too slow, too large, corrupt); the message says where it
        looked and how to provide them.
    ValueError
        If a file is corrupt, larger than its header says or than the known
        size, or its SHA-256 is wrong.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> x_train.shape, y_train.dtype  # doctest: +SKIP
    ((60000, 1, 28, 28), dtype('int64'))
    """
    return _load("mnist", root, download, base_url, progress, timeout)


def load_fashion_mnist(
    root=None, download: bool = True, base_url: str | None = None, progress=True, timeout=None
):
    """Load Fashion-MNIST (Zalando): clothing photos, same format and sizes as MNIST.

    Uses Debian's ``dataset-fashion-mnist`` package when installed
    (``/usr/share/datasets/fashion-mnist/``), so no download is needed there.
    Arguments, returns and shapes are those of :func:`load_mnist` (files go to
    ``root/fashion_mnist/``; URL variable ``$CNN_LIB_FASHION_MNIST_URL``).
    Class names: ``class_names("fashion_mnist")``.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
    >>> x_test.shape  # doctest: +SKIP
    (10000, 1, 28, 28)
    """
    return _load("fashion_mnist", root, download, base_url, progress, timeout)
