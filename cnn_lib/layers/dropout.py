"""Dropout: randomly silence units during training so none can be relied on alone.

*Inverted* dropout scales the kept units by ``1 / (1 - p)`` during training,
so the expected value of every unit is unchanged and evaluation needs no
rescaling: in ``eval()`` mode the layer is the identity. Taught in chapter
11, Dropout.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnn_lib._validation import as_float_array, check_grad_output, check_rng
from cnn_lib.layers.module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training; identity in evaluation.

    Parameters
    ----------
    p : float, default 0.5
        Probability of *dropping* an element, ``0 <= p < 1``.
    rng : numpy.random.Generator or int, optional
        Source of the random masks (a seed makes them reproducible).

    Attributes
    ----------
    mask : ndarray of bool or None
        Which elements the last training forward pass *kept* (``True``), so it
        can be shown or reused; ``None`` before the first training pass.
    fixed_mask : ndarray of bool or None
        Set it (``layer.fixed_mask = mask``) to make the layer deterministic:
        every forward pass, in training *and* in evaluation mode, then applies
        this keep-mask (scaled by ``1 / (1 - p)``) instead of drawing a new one.
        That turns dropout into an ordinary function whose backward pass
        ``gradcheck`` can verify. Set it back to ``None`` for normal dropout.

    Shapes
    ------
    ``x: (*) -> (*)``

    Examples
    --------
    >>> drop = Dropout(p=0.5, rng=0)
    >>> y = drop(np.ones((2, 4)))
    >>> sorted(set(y.ravel().tolist()))  # kept units are scaled by 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3))           # identity in evaluation mode
    array([1., 1., 1.])
    """

    def __init__(self, p=0.5, rng=None):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"Dropout probability p must be a number in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = check_rng(rng)
        self.mask = None
        self.fixed_mask = None
        self._cache = None  # (input shape, what forward multiplied by)

    def forward(self, x):
        x = as_float_array(x, "x")
        if self.fixed_mask is not None:
            keep = np.asarray(self.fixed_mask, dtype=bool)
            if keep.shape != x.shape:
                raise ValueError(
                    f"Dropout fixed_mask must have the input's shape {x.shape}, got {keep.shape}"
                )
        elif self.training:
            keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        else:
            self._cache = (x.shape, 1)  # identity: the gradient passes through unchanged
            return x
        self.mask = keep
        # astype keeps x's dtype, so float32 activations stay float32.
        scale = keep.astype(x.dtype) / (1 - self.p)
        self._cache = (x.shape, scale)
        return x * scale

    def backward(self, grad_output):
        shape, scale = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, shape, "Dropout.backward")
        # d(x * scale)/dx = scale: the same units are dropped and scaled.
        return grad_output * scale

    def extra_repr(self) -> str:
        return f"p={self.p}"
