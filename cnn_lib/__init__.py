"""cnn_lib: convolutional neural networks from scratch in NumPy.

The library behind the book. Everything public is importable from here::

    import cnn_lib as cl
    model = cl.Sequential(cl.Conv2d(1, 8, 3, padding=1), cl.ReLU(), cl.MaxPool2d(2))

The import graph flows one way: ``functional`` <- ``layers`` <- ``losses`` /
``optim`` / ``training`` <- ``viz`` / ``widgets``. The book teaches it chapter
by chapter; the quick start (``book/quickstart.ipynb``) shows it in one page.
"""

from cnn_lib import datasets, functional, optim, threads, transforms
from cnn_lib.datasets import (
    class_names,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    load_sample,
    read_idx,
)
from cnn_lib.gradcheck import gradcheck
from cnn_lib.layers import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    Parameter,
    ReLU,
    Residual,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from cnn_lib.optim import SGD, Adam
from cnn_lib.serialization import load, save
from cnn_lib.threads import get_num_threads, set_num_threads
from cnn_lib.tracer import trace
from cnn_lib.tracer_report import plot_trace, summary
from cnn_lib.training import History, evaluate, fit, predict

__version__ = "0.1.0"

__all__ = [
    "datasets",
    "functional",
    "optim",
    "gradcheck",
    "load_sample",
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "read_idx",
    "class_names",
    "Module",
    "Parameter",
    "Sequential",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Flatten",
    "Linear",
    "Dropout",
    "Softmax",
    "BatchNorm2d",
    "Residual",
    "transforms",
    "threads",
    "CrossEntropyLoss",
    "MSELoss",
    "BCEWithLogitsLoss",
    "SGD",
    "Adam",
    "save",
    "load",
    "fit",
    "evaluate",
    "predict",
    "History",
    "trace",
    "summary",
    "plot_trace",
    "set_num_threads",
    "get_num_threads",
]


def __getattr__(name):
    # viz and widgets pull in matplotlib and ipywidgets: import them on first use
    # so `import cnn_lib` stays fast for scripts that only train.
    if name in ("viz", "widgets", "benchmark", "exercises"):
        import importlib

        return importlib.import_module(f"cnn_lib.{name}")
    raise AttributeError(f"module 'cnn_lib' has no attribute {name!r}")
