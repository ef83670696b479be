"""Layers: ``Module`` subclasses with forward/backward pairs (PyTorch names).

Each layer wraps the functions of :mod:`cnn_lib.functional`; layers with two
implementations take the same ``impl`` as their function (``Conv2d``:
``"im2col"`` | ``"naive"``; ``MaxPool2d`` / ``AvgPool2d``: ``"fast"`` |
``"naive"``). Chapters 5 to 11 build them one by one; chapter 10,
Backpropagation through a CNN, explains every ``backward``.
"""

from cnn_lib.layers.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from cnn_lib.layers.batchnorm import BatchNorm2d
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module, Parameter
from cnn_lib.layers.pooling import AvgPool2d, MaxPool2d
from cnn_lib.layers.residual import Residual
from cnn_lib.layers.sequential import Sequential
from cnn_lib.layers.softmax import Softmax

__all__ = [
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
]
