"""``Sequential``: a chain of layers, with cache blocking for big eval batches."""

from __future__ import annotations

import numpy as np

from cnn_lib.layers.module import Module


class Sequential(Module):
    """Run layers one after another; backward runs them in reverse.

    Parameters
    ----------
    *layers : Module
        The layers, in order. Their parameters are named ``"0.weight"``,
        ``"0.bias"``, ``"2.weight"``, ... as in PyTorch.

    Attributes
    ----------
    eval_chunk_size : int or None, default 64
        In eval mode, a batch with more samples than this runs through the
        layers in slices of this many samples (see Notes). ``None`` turns
        slicing off, e.g. for a custom layer that mixes samples.

    Notes
    -----
    *Cache blocking.* The intermediate arrays of a big batch are far larger
    than the CPU cache: for 500 MNIST images the im2col matrix of a second
    convolution alone is about 28 MB, against typically 1-2 MB of L2 cache per
    core, so every layer streams its input and output through main memory. A slice of
    64 images keeps each layer's arrays in cache, which made batch-500
    inference about 1.5x faster in ``python -m cnn_lib.benchmark``. Every layer
    of ``cnn_lib`` treats samples independently, so the output is the same.
    Training batches are not sliced: backward needs every layer's cache for
    the whole batch. A ``backward`` after a sliced eval forward still works:
    it runs each slice forward again (eval mode is deterministic) and
    backpropagates it; parameter gradients add up over the slices exactly as
    they add up over samples.

    Shapes
    ------
    Whatever the first layer takes -> whatever the last layer returns.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> model = Sequential(Linear(3, 2, rng=0)).eval()
    >>> x = np.ones((200, 3))
    >>> np.allclose(model(x), model.layers[0](x))  # slices of 64, 64, 64, 8
    True
    """

    eval_chunk_size: int | None = 64
    _sliced_input = None  # the input of a sliced eval forward, kept for backward

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"Sequential expects Module instances, got {type(layer).__name__} "
                    f"at position {i}; did you forget the parentheses, e.g. ReLU()?"
                )
        self.layers = list(layers)

    def named_children(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def forward(self, x):
        self._sliced_input = None
        if not self._runs_in_slices(x):
            return self._forward_layers(x)
        self._sliced_input = x
        return np.concatenate([self._forward_layers(x[s]) for s in self._slices(len(x))])

    def backward(self, grad_output):
        if self._sliced_input is None:
            return self._backward_layers(grad_output)
        return self._backward_in_slices(grad_output)

    # --- plain chain and cache blocking --------------------------------------
    def _forward_layers(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def _backward_layers(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def _runs_in_slices(self, x) -> bool:
        size = self.eval_chunk_size
        if self.training or size is None or not isinstance(x, np.ndarray):
            return False
        return x.ndim > 0 and len(x) > size

    def _slices(self, n):
        size = self.eval_chunk_size
        return [slice(start, start + size) for start in range(0, n, size)]

    def _backward_in_slices(self, grad_output):
        """Backward after a sliced eval forward: redo and backpropagate slice by slice."""
        x = self._sliced_input
        grad_output = np.asarray(grad_output)
        if grad_output.shape[:1] != x.shape[:1]:
            raise ValueError(
                f"Sequential.backward expected a gradient for {len(x)} samples (the batch "
                f"of the last forward pass), got shape {grad_output.shape}"
            )
        if self.training:
            raise RuntimeError(
                "Sequential.backward after an eval-mode forward, but the model is in "
                "training mode now; call backward before switching modes"
            )
        grads = []
        for s in self._slices(len(x)):
            self._forward_layers(x[s])  # the layers kept only the last slice's caches
            grads.append(self._backward_layers(grad_output[s]))
        # A first layer that skips its input gradient returns None for every slice.
        return None if grads[0] is None else np.concatenate(grads)

    # --- container protocol ----------------------------------------------------
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
