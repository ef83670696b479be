"""Data sets: the embedded sample and loaders for MNIST, Fashion-MNIST and CIFAR-10.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` with images
float32 in ``[0, 1]`` of shape ``(N, C, H, W)`` and labels int64 ``(N,)``::

    from cnn_lib.datasets import load_sample, class_names
    (x_train, y_train), (x_test, y_test) = load_sample()   # offline, instant
    class_names("sample")[y_train[0]]

The full data sets are downloaded once into a cache folder (``root=``, else
``$CNN_LIB_DATA``, else ``~/.cache/cnn_lib``) and verified by SHA-256.
"""

from cnn_lib.datasets.cache import ChecksumError, DatasetNotFoundError, data_home
from cnn_lib.datasets.cifar import load_cifar10
from cnn_lib.datasets.download import DownloadError
from cnn_lib.datasets.idx import read_idx
from cnn_lib.datasets.mnist import load_fashion_mnist, load_mnist
from cnn_lib.datasets.names import class_names
from cnn_lib.datasets.sample import load_sample

__all__ = [
    "ChecksumError",
    "DatasetNotFoundError",
    "DownloadError",
    "class_names",
    "data_home",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist",
    "load_sample",
    "read_idx",
]
