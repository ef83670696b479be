"""``Sequential``: a chain of layers, run forward in order and backward in reverse.

Taught in chapter 10, Backpropagation (book/10_backpropagation.ipynb); used
for every model from chapter 13, Training end to end, on.
"""

from __future__ import annotations

from cnn_lib.layers.module import Module


class Sequential(Module):
    """Run layers one after another; backward runs them in reverse.

    By the chain rule, d(loss)/d(input) of a chain is each layer's backward
    applied in reverse order, starting from d(loss)/d(output).

    Parameters
    ----------
    *layers : Module
        The layers, in order. Their parameters are named ``"0.weight"``,
        ``"0.bias"``, ``"2.weight"``, ... as in PyTorch.

    Notes
    -----
    The whole batch goes through every layer, so a layer that mixes samples
    (such as ``Softmax(axis=0)``) sees the batch it was given. To run a big
    dataset in cache-friendly pieces, use ``evaluate`` / ``predict`` and their
    ``batch_size``.

    Shapes
    ------
    Whatever the first layer takes -> whatever the last layer returns.

    Examples
    --------
    >>> import numpy as np
    >>> from cnn_lib.layers.activations import ReLU
    >>> from cnn_lib.layers.linear import Linear
    >>> model = Sequential(Linear(3, 2, rng=0), ReLU())
    >>> model(np.ones((5, 3))).shape
    (5, 2)
    >>> model.backward(np.ones((5, 2))).shape
    (5, 3)
    >>> len(model), model[1]
    (2, ReLU())
    """

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"Sequential expects Module instances, got {type(layer).__name__} "
                    f"at position {i}; did you forget the parentheses, e.g. ReLU()?"
                )
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    # --- container protocol: model[0], model[1:], len(model), for layer in model
    def named_children(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"
