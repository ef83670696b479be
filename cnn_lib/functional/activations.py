"""Elementwise activation functions and their derivatives.

Each activation ``f`` comes with a ``*_backward`` helper that applies the chain
rule elementwise: ``grad_input = grad_output * f'(x)``. ReLU-like backward
helpers take the forward *input* ``x``; sigmoid and tanh take the forward
*output* ``y``, because their derivatives are cheapest written in terms of it
(``sigmoid' = y (1 - y)``, ``tanh' = 1 - y**2``).

All functions keep the dtype of their input (float32 stays float32) and work on
arrays of any shape. Taught in chapter 7, Activation functions.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array
from cnn_lib.threads import elementwise_in_parts


def relu(x):
    """Rectified linear unit, ``max(x, 0)``.

    Parameters
    ----------
    x : array_like
        Any shape; integer input is converted to float32.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = as_float_array(x, "x")
    # np.maximum(x, 0), parts of a large batch on other cores (set_num_threads)
    return elementwise_in_parts(np.maximum, x, 0)


def relu_backward(grad_output, x):
    """Gradient of ``relu``: pass ``grad_output`` where ``x > 0``, zero elsewhere.

    At exactly ``x == 0`` the derivative is undefined; like PyTorch we use 0.

    Shapes
    ------
    ``grad_output, x: (*) -> (*)``

    Examples
    --------
    >>> relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    # grad_output * (x > 0), parts of a large batch on other cores (set_num_threads)
    return elementwise_in_parts(_pass_where_positive, grad_output, x)


def _pass_where_positive(grad_output, x, out=None):
    """``grad_output * (x > 0)``, into ``out`` if given (one part of a batch)."""
    return np.multiply(grad_output, x > 0, out=out)


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: ``x`` where ``x > 0``, else ``negative_slope * x``.

    Parameters
    ----------
    x : array_like
        Any shape.
    negative_slope : float, default 0.01
        Slope used for negative inputs (so their gradient never dies completely).

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.1)
    array([-0.2,  3. ])
    """
    x = as_float_array(x, "x")
    # Positive part plus slope times negative part (arithmetic beats np.where for speed).
    return np.maximum(x, 0) + negative_slope * np.minimum(x, 0)


def leaky_relu_backward(grad_output, x, negative_slope=0.01):
    """Gradient of ``leaky_relu``: slope 1 where ``x > 0``, ``negative_slope`` elsewhere.

    Shapes
    ------
    ``grad_output, x: (*) -> (*)``

    Examples
    --------
    >>> leaky_relu_backward(np.ones(2), np.array([-1.0, 1.0]), negative_slope=0.1)
    array([0.1, 1. ])
    """
    # Scale grad_output itself (not a float64 slope array) so float32 stays float32.
    return grad_output * (x > 0) + negative_slope * grad_output * (x <= 0)


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for large ``|x|``.

    ``exp(-x)`` overflows for very negative ``x``. Instead we use
    ``sigmoid(x) = exp(min(x, 0)) / (1 + exp(-|x|))``: for ``x >= 0`` that is
    ``1 / (1 + exp(-x))``, for ``x < 0`` it is ``exp(x) / (1 + exp(x))`` (the
    same value, multiplied by ``exp(x)`` above and below). Both ``exp`` calls
    see numbers ``<= 0``, so they never overflow, and tiny results keep their
    full relative precision.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Values in ``[0, 1]``, same shape and dtype as ``x``.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = as_float_array(x, "x")
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def sigmoid_backward(grad_output, y):
    """Gradient of ``sigmoid`` from its output ``y``: ``grad_output * y * (1 - y)``.

    Shapes
    ------
    ``grad_output, y: (*) -> (*)``

    Examples
    --------
    >>> sigmoid_backward(np.ones(1), sigmoid(np.zeros(1)))
    array([0.25])
    """
    return grad_output * y * (1 - y)


def tanh(x):
    """Hyperbolic tangent, values in ``[-1, 1]``.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    x = as_float_array(x, "x")
    return np.tanh(x)


def tanh_backward(grad_output, y):
    """Gradient of ``tanh`` from its output ``y``: ``grad_output * (1 - y**2)``.

    Shapes
    ------
    ``grad_output, y: (*) -> (*)``

    Examples
    --------
    >>> tanh_backward(np.ones(1), tanh(np.zeros(1)))
    array([1.])
    """
    return grad_output * (1 - y * y)
