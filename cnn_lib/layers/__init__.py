"""Layers: ``Module`` subclasses with forward/backward pairs (PyTorch names)."""

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
