"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``.

Each layer is a thin wrapper around a function in
``cnn_lib.functional.activations``: ``forward`` remembers what the derivative
needs (the input for ReLU-like layers, the output for sigmoid and tanh) and
``backward`` multiplies the upstream gradient by that derivative. Taught in
chapter 7, Activation functions.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_grad_output
from cnn_lib.functional import activations as F
from cnn_lib.layers.module import Module


class ReLU(Module):
    """Elementwise ``max(x, 0)``.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> ReLU()(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def __init__(self):
        self._x = None

    def forward(self, x):
        y = F.relu(x)
        self._x = np.asarray(x)
        return y

    def backward(self, grad_output):
        x = self._saved(self._x)
        grad_output = check_grad_output(grad_output, x.shape, "ReLU.backward")
        return F.relu_backward(grad_output, x)


class LeakyReLU(Module):
    """Elementwise ``x if x > 0 else negative_slope * x``.

    Parameters
    ----------
    negative_slope : float, default 0.01
        Slope for negative inputs.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> LeakyReLU(0.1)(np.array([-1.0, 2.0]))
    array([-0.1,  2. ])
    """

    def __init__(self, negative_slope=0.01):
        if isinstance(negative_slope, bool) or not isinstance(
            negative_slope, (int, float, np.integer, np.floating)
        ):
            raise ValueError(f"negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)
        self._x = None

    def forward(self, x):
        y = F.leaky_relu(x, self.negative_slope)
        self._x = np.asarray(x)
        return y

    def backward(self, grad_output):
        x = self._saved(self._x)
        grad_output = check_grad_output(grad_output, x.shape, "LeakyReLU.backward")
        return F.leaky_relu_backward(grad_output, x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """Elementwise logistic sigmoid ``1 / (1 + exp(-x))``.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> Sigmoid()(np.array([0.0]))
    array([0.5])
    """

    def __init__(self):
        self._y = None

    def forward(self, x):
        self._y = F.sigmoid(x)
        return self._y

    def backward(self, grad_output):
        y = self._saved(self._y)
        grad_output = check_grad_output(grad_output, y.shape, "Sigmoid.backward")
        return F.sigmoid_backward(grad_output, y)


class Tanh(Module):
    """Elementwise hyperbolic tangent.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> Tanh()(np.array([0.0]))
    array([0.])
    """

    def __init__(self):
        self._y = None

    def forward(self, x):
        self._y = F.tanh(x)
        return self._y

    def backward(self, grad_output):
        y = self._saved(self._y)
        grad_output = check_grad_output(grad_output, y.shape, "Tanh.backward")
        return F.tanh_backward(grad_output, y)
