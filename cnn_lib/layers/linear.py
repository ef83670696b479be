"""Fully connected layers: ``Flatten`` and ``Linear``.

``Flatten`` turns a batch of feature maps into a batch of vectors so that a
``Linear`` layer (``y = x W^T + b``) can read them. Its backward only reshapes
the gradient back; no numbers change. Taught in chapter 8, Flattening and
dense layers (backward in chapter 10, Backpropagation through a CNN).
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import (
    as_array,
    as_float_array,
    check_allocation,
    check_grad_output,
    check_ndim,
    check_positive_int,
    check_rng,
    uniform_float32,
)
from cnn_lib.layers.module import Module, Parameter


class Flatten(Module):
    """Keep the batch axis, flatten everything else in C order (like ``torch.nn.Flatten``).

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C*H*W)``; any ``(N, *)`` works.

    Examples
    --------
    >>> Flatten()(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """

    def __init__(self):
        self._shapes = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(
                f"Flatten expects a batch (N, ...) with at least 2 dimensions, "
                f"got shape {x.shape}; for a single sample add a batch axis with x[None]"
            )
        y = x.reshape(x.shape[0], -1)
        self._shapes = (x.shape, y.shape)
        return y

    def backward(self, grad_output):
        input_shape, output_shape = self._saved(self._shapes)
        grad_output = check_grad_output(grad_output, output_shape, "Flatten.backward")
        return grad_output.reshape(input_shape)


class Linear(Module):
    """Fully connected layer ``y = x @ weight.T + bias``.

    Parameters
    ----------
    in_features, out_features : int
        Length of each input and output vector.
    bias : bool, default True
        Learn an additive bias (``self.bias`` is ``None`` otherwise).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed makes them reproducible).

    Attributes
    ----------
    weight : Parameter, shape ``(out_features, in_features)``
    bias : Parameter, shape ``(out_features,)``, or None

    Notes
    -----
    Initialisation is PyTorch's default: weight and bias uniform in
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]``, drawn directly in float32
    (no float64 temporary, so the peak memory is the weights' own size).

    Shapes
    ------
    ``x: (N, in_features) -> (N, out_features)``

    Examples
    --------
    >>> layer = Linear(4, 3, rng=0)
    >>> layer(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    """

    def __init__(self, in_features, out_features, bias=True, rng=None):
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        rng = check_rng(rng)
        bound = 1 / np.sqrt(self.in_features)
        shape = (self.out_features, self.in_features)
        fix = "use fewer in_features or out_features"
        check_allocation(shape, np.float32, "the weight matrix", "Linear", fix)
        self.weight = Parameter(uniform_float32(rng, bound, shape))
        self.bias = None
        if bias:
            self.bias = Parameter(uniform_float32(rng, bound, self.out_features))
        self._x = None

    def forward(self, x):
        x = as_array(x, "x")  # shapes first: a wrong call on a huge array fails at once
        check_ndim(x, 2, "x", "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"Linear expected input with {self.in_features} features, "
                f"got {x.shape[1]} (shape {x.shape})"
            )
        fix = "pass a smaller batch (evaluate and predict take batch_size)"
        dtype = np.result_type(x.dtype, np.float32)
        check_allocation((x.shape[0], self.out_features), dtype, "the output", "Linear", fix)
        self._x = x = as_float_array(x, "x")
        y = x @ self.weight.data.T
        if self.bias is not None:
            y = y + self.bias.data
        return y

    def backward(self, grad_output):
        x = self._saved(self._x)
        expected = (x.shape[0], self.out_features)
        grad_output = check_grad_output(grad_output, expected, "Linear.backward")
        # y_nj = sum_i x_ni W_ji + b_j, so each gradient is one matrix product.
        self.weight.grad += grad_output.T @ x
        if self.bias is not None:
            self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
