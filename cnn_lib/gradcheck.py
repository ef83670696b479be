"""Gradient checking: compare a layer's backward pass with finite differences.

For the scalar objective ``f = sum(q * module(x))`` (``q`` fixed and random),
``module.backward(q)`` must return ``df/dx`` and accumulate ``df/dw`` for every
parameter ``w``. Numerically, each partial derivative is approximately

    df/dw_i  ~  (f(w_i + h) - f(w_i - h)) / (2 h)

with an error of order ``h**2`` (a *centered* difference); the step ``h`` is
the argument ``eps``. In float64 with ``h = 1e-6`` a correct backward agrees
to about 1e-8 or better; a wrong one disagrees by order 1.

Taught in chapter 10, Backpropagation (book/10_backpropagation.ipynb).
"""

from __future__ import annotations

import numbers

import numpy as np

from cnn_lib._validation import as_float_array
from cnn_lib.evaluation import eval_mode
from cnn_lib.layers.module import Module


def relative_error(analytic, numeric) -> float:
    """``max|a - n| / max(max|a|, max|n|, 1e-12)``: 0 when equal, about 1 when unrelated.

    Examples
    --------
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> relative_error(np.zeros(2), np.array([1.0, 2.0]))
    1.0
    """
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    scale = max(np.abs(analytic).max(initial=0), np.abs(numeric).max(initial=0), 1e-12)
    return float(np.abs(analytic - numeric).max(initial=0) / scale)


def numerical_gradient(f, array, eps=1e-6):
    """Centered-difference gradient of the scalar ``f()`` with respect to ``array``.

    ``array`` is perturbed *in place*, one element at a time, and restored.

    Shapes
    ------
    ``array: (*) -> (*)``

    Examples
    --------
    >>> w = np.array([3.0])
    >>> numerical_gradient(lambda: float(w[0] ** 2), w).round(6)  # d(w^2)/dw = 2w
    array([6.])
    """
    grad = np.zeros_like(array, dtype=np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        f_plus = f()
        array[index] = original - eps
        f_minus = f()
        array[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradient_errors(module, x, eps=1e-6, seed=0) -> dict[str, float]:
    """Relative error of each analytic gradient: ``{"input": ..., "weight": ..., ...}``.

    Same check as ``gradcheck``, reported per tensor so a failure points at the
    culprit. Keys are ``"input"`` and the parameter names of ``named_parameters()``;
    ``"input"`` is left out when ``backward`` returns None (a first layer that
    skips its input gradient, e.g. ``Conv2d`` with ``needs_input_grad=False``).
    """
    if not isinstance(module, Module):
        raise ValueError(f"module must be a Module, got {type(module).__name__}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    # A private float64 copy: we perturb it in place and never touch the caller's x.
    x = np.array(as_float_array(x, "x"), dtype=np.float64)
    named = list(module.named_parameters())
    originals = [(p.data, p.grad) for _, p in named]
    try:
        with eval_mode(module):
            for _, p in named:
                p.data = p.data.astype(np.float64)
                p.grad = np.zeros_like(p.data)
            out = np.asarray(module(x))
            q = np.random.default_rng(seed).standard_normal(out.shape)
            grad_x = module.backward(q.copy())
            if grad_x is not None and np.shape(grad_x) != x.shape:
                raise ValueError(
                    f"{type(module).__name__}.backward returned a gradient of shape "
                    f"{np.shape(grad_x)}, expected the input's shape {x.shape}"
                )

            def objective():
                return float(np.sum(q * module(x)))

            errors = {}
            if grad_x is not None:  # None: a first layer told to skip its input gradient
                errors["input"] = relative_error(grad_x, numerical_gradient(objective, x, eps))
            for name, p in named:
                numeric = numerical_gradient(objective, p.data, eps)
                errors[name] = relative_error(p.grad, numeric)
    finally:
        for (_, p), (data, grad) in zip(named, originals, strict=True):
            p.data, p.grad = data, grad
    return errors


def gradcheck(module, x, eps=1e-6, seed=0) -> float:
    """Largest relative error between analytic and numerical gradients of ``module``.

    The objective is ``sum(q * module(x))`` with ``q`` standard normal from
    ``seed``. Every gradient (the input's and each parameter's) is compared with
    centered finite differences; the result is the maximum over tensors of
    ``max|analytic - numeric| / max(max|analytic|, max|numeric|, 1e-12)``.

    The input and the parameters are cast to float64 for the check and restored
    afterwards (values, dtypes and accumulated ``.grad``); the module runs in
    eval mode and its previous mode is restored. To check ``Dropout``'s
    training-mode backward, give it a ``fixed_mask``.

    Parameters
    ----------
    module : Module
    x : array_like
        An input the module accepts. Keep it small: each element costs two
        forward passes.
    eps : float, default 1e-6
        Finite-difference step ``h``.
    seed : int, default 0
        Seed of the random weights ``q``.

    Returns
    -------
    float
        Below about 1e-6 for a correct backward in float64; near 1 for a wrong one.

    Shapes
    ------
    ``x``: whatever ``module`` accepts.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> gradcheck(Linear(3, 2, rng=0), np.ones((2, 3))) < 1e-6
    True
    """
    return max(gradient_errors(module, x, eps=eps, seed=seed).values(), default=0.0)
