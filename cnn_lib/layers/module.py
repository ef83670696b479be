"""The building blocks every layer shares: ``Parameter`` and ``Module``.

A ``Module`` is a forward/backward pair in the style of the CS231n layers:
``forward`` computes the output and keeps what backward will need (the
*cache*); ``backward`` takes d(loss)/d(output), returns d(loss)/d(input) and
*adds* each parameter's gradient into ``param.grad``. Layers never change their
own weights; optimizers do (see ``cnn_lib.optim``).

Taught in chapter 10, Backpropagation (book/10_backpropagation.ipynb), where
the layers become modules with a forward and a backward pass.
"""

from __future__ import annotations

import numpy as np


class Parameter:
    """A trainable array and the gradient accumulated for it.

    Parameters
    ----------
    data : array_like
        Initial values. Stored as an ndarray (its dtype is kept).

    Shapes
    ------
    ``grad`` always has the shape and dtype of ``data``.

    Examples
    --------
    >>> p = Parameter(np.ones((2, 3)))
    >>> p.grad.shape
    (2, 3)
    """

    def __init__(self, data):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer and model.

    Subclasses implement ``forward(x)`` and ``backward(grad_output)``.
    Parameters and sub-modules are found by looking at the instance's
    attributes in the order they were set, so ``parameters()`` has a stable
    order (the same idea as ``torch.nn.Module``).

    Examples
    --------
    >>> class Double(Module):
    ...     def forward(self, x):
    ...         return 2 * x
    ...     def backward(self, grad_output):
    ...         return 2 * grad_output
    >>> Double()(np.ones(3))
    array([2., 2., 2.])
    """

    training: bool = True

    def forward(self, x):
        """The layer's output for input ``x``; keeps what ``backward`` will need."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, grad_output):
        """dL/d(input) from dL/d(output); adds the parameters' gradients to their ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_output)")

    def __call__(self, x):
        return self.forward(x)

    # --- the tree of parameters and sub-modules -------------------------------
    def named_children(self):
        """Yield ``(name, module)`` for each direct sub-module."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def named_parameters(self, prefix: str = ""):
        """Yield ``(dotted_name, Parameter)`` for this module and its children."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def named_buffers(self, prefix: str = ""):
        """Yield ``(dotted_name, ndarray)`` for state that is saved but not trained.

        A layer lists such attributes in its class attribute ``buffers``
        (``BatchNorm2d``'s running statistics, as in ``torch.nn``).
        """
        for dotted, owner, attribute in self._buffer_slots(prefix):
            yield dotted, getattr(owner, attribute)

    def _buffer_slots(self, prefix: str = ""):
        for name in getattr(type(self), "buffers", ()):
            yield prefix + name, self, name
        for name, child in self.named_children():
            yield from child._buffer_slots(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """All trainable parameters, in a stable order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero (gradients accumulate)."""
        for p in self.parameters():
            p.grad[...] = 0

    def train(self, mode: bool = True):
        """Switch to training mode (e.g. dropout active); returns ``self``."""
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (e.g. dropout off); returns ``self``."""
        return self.train(False)

    # --- saving and loading ---------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copy of every parameter and buffer array, keyed by dotted name (``"0.weight"``)."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state: dict) -> None:
        """Copy arrays from ``state`` into the parameters, checking names and shapes.

        Raises
        ------
        ValueError
            If an entry is missing, unexpected, or has the wrong shape.
        """
        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = {**{n: p.data for n, p in own.items()}, **buffers}
        missing = sorted(set(expected) - set(state))
        extra = sorted(set(state) - set(expected))
        if missing:
            raise ValueError(f"state_dict is missing entries: {', '.join(missing)}")
        if extra:
            raise ValueError(f"state_dict has unexpected entries: {', '.join(extra)}")
        for name, current in expected.items():
            value = np.asarray(state[name])
            if value.shape != current.shape:
                raise ValueError(
                    f"state_dict entry {name!r} has shape {value.shape}, expected {current.shape}"
                )
        for name, p in own.items():
            p.data = np.array(state[name], dtype=p.data.dtype)
            p.grad = np.zeros_like(p.data)
        for name, owner, attribute in self._buffer_slots():
            dtype = getattr(owner, attribute).dtype
            setattr(owner, attribute, np.array(state[name], dtype=dtype))

    # --- helpers for subclasses ------------------------------------------------
    def _saved(self, cache):
        """Return the forward cache, or explain that forward must run first."""
        if cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before forward(); "
                "run the forward pass first so the layer has its cache"
            )
        return cache

    def extra_repr(self) -> str:
        """Arguments shown inside ``repr``; override in subclasses."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
