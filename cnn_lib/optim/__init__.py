"""Optimizers: they own the weight update (layers only compute gradients).

Taught in chapter 12, Optimizers.

The update rules follow ``torch.optim`` exactly, so the same hyper-parameters
mean the same thing here and there. Updates happen in place and keep each
parameter's dtype (float32 stays float32).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from cnn_lib.layers.module import Module, Parameter


def _check_number(value, name: str, *, low: float, high: float = np.inf, low_open=False):
    """Return ``value`` as float if it is a real number in ``[low, high)`` (or ``(low, high)``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    too_low = value <= low if low_open else value < low
    if too_low or not value < high or not np.isfinite(value):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}), got {value!r}")
    return float(value)


def _check_params(params) -> list:
    """Return ``params`` as a list of distinct Parameters, or explain what to pass instead."""
    fix = "pass model.parameters()"
    if isinstance(params, Module):
        raise ValueError(
            f"params must be a list of Parameters, got a {type(params).__name__} module; {fix}"
        )
    if isinstance(params, Parameter):
        raise ValueError("params must be a list of Parameters, got a single Parameter; pass [p]")
    if callable(params):  # e.g. SGD(model.parameters, ...): the method, not its result
        name = getattr(params, "__name__", type(params).__name__)
        raise ValueError(
            f"params must be a list of Parameters, got the function {name!r} itself; "
            f"call it: {fix} (with the brackets)"
        )
    try:
        params = list(params)
    except TypeError:
        raise ValueError(
            f"params must be a list of Parameters, got {type(params).__name__}; {fix}"
        ) from None
    if not params:
        raise ValueError("params is empty: the optimizer got no parameters to update")
    seen = {}
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise ValueError(f"params[{i}] must be a Parameter, got {type(p).__name__}; {fix}")
        if id(p) in seen:  # it would be updated twice per step
            raise ValueError(
                f"params[{i}] is the same Parameter as params[{seen[id(p)]}], so it would "
                "be updated twice per step; list each Parameter once (a layer used twice "
                "in a model shares its parameters: pass them once)"
            )
        seen[id(p)] = i
    return params


class Optimizer:
    """Base class: holds the parameters; subclasses implement ``step()``.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``; each Parameter at most once.
    lr : float
        Learning rate, > 0. Stored as the mutable attribute ``lr``, which the
        next ``step()`` uses (this is how learning-rate schedules work).
    """

    def __init__(self, params, lr):
        self.params = _check_params(params)
        # A plain attribute on purpose: learning-rate schedulers change it between steps.
        self.lr = _check_number(lr, "lr", low=0, low_open=True)

    def zero_grad(self) -> None:
        """Reset every gradient to zero (gradients accumulate across backward calls)."""
        for p in self.params:
            p.grad[...] = 0

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def _hyper(self) -> dict:
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay.

    With ``g = grad + weight_decay * w`` the update is ``w -= lr * g``, or with
    momentum ``v = momentum * v + g`` (``v`` starts as the first ``g``, as in
    PyTorch) and ``w -= lr * v``.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        Learning rate, > 0.
    momentum : float, default 0
        Fraction of the previous step kept, in ``[0, 1)``.
    weight_decay : float, default 0
        L2 penalty coefficient, >= 0.

    Shapes
    ------
    Each parameter keeps its shape and dtype.

    Examples
    --------
    >>> w = Parameter(np.array([1.0]))
    >>> w.grad[:] = 2.0
    >>> SGD([w], lr=0.1).step()
    >>> w.data
    array([0.8])
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", low=0, high=1)
        self.weight_decay = _check_number(weight_decay, "weight_decay", low=0)
        self.velocity = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``.grad``."""
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                if self.velocity[i] is None:
                    self.velocity[i] = np.array(g, dtype=p.data.dtype)  # a copy
                else:  # v = momentum * v + g, in place: no temporary arrays
                    self.velocity[i] *= self.momentum
                    self.velocity[i] += g
                g = self.velocity[i]
            p.data -= self.lr * g

    def _hyper(self) -> dict:
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam: momentum on the gradient and per-weight step sizes from its running square.

    With ``g = grad + weight_decay * w`` and step count ``t``::

        m = beta1 * m + (1 - beta1) * g          # running mean of g
        v = beta2 * v + (1 - beta2) * g**2       # running mean of g**2
        w -= lr / (1 - beta1**t) * m / (sqrt(v / (1 - beta2**t)) + eps)

    The ``1 - beta**t`` factors undo the bias of ``m`` and ``v`` starting at 0.
    This is ``torch.optim.Adam`` with the same arguments.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the two running means, each in ``[0, 1)``.
    eps : float, default 1e-8
        Added to the denominator to avoid division by zero, >= 0.
    weight_decay : float, default 0
        L2 penalty coefficient, >= 0.

    Shapes
    ------
    Each parameter keeps its shape and dtype.

    Examples
    --------
    >>> w = Parameter(np.array([1.0]))
    >>> w.grad[:] = 5.0
    >>> Adam([w], lr=0.1).step()   # the first step moves by about lr, whatever |grad|
    >>> w.data.round(6)
    array([0.9])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", low=0, high=1),
            _check_number(betas[1], "betas[1]", low=0, high=1),
        )
        self.eps = _check_number(eps, "eps", low=0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", low=0)
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """Update every parameter once from its current ``.grad``."""
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1 - beta1**self.t)
        # math.sqrt gives a Python float, which keeps float32 arithmetic in float32.
        root_correction = math.sqrt(1 - beta2**self.t)
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            # In-place updates keep the float32 state float32.
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p.data -= step_size * m / (np.sqrt(v) / root_correction + self.eps)

    def _hyper(self) -> dict:
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }


# Schedules live in their own module, as torch.optim.lr_scheduler does.
from cnn_lib.optim import lr_scheduler  # noqa: E402, F401
