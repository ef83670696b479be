"""``BatchNorm2d``: normalize each channel over the batch, then scale and shift.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb). The formula
and both backward passes are in ``cnn_lib.functional.batchnorm``.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnn_lib._validation import as_float_array, check_grad_output, check_ndim, check_positive_int
from cnn_lib.functional.batchnorm import AXES, batch_norm2d, batch_norm2d_backward
from cnn_lib.layers.module import Module, Parameter


def _check_fraction(value, name, low_open):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not (0 < value if low_open else 0 <= value) or value > 1:
        bounds = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"BatchNorm2d {name} must be a number in {bounds}, got {value!r}")
    return float(value)


class BatchNorm2d(Module):
    """Batch normalization of NCHW activations, with PyTorch's semantics.

    .. math::

        z = \\gamma_c \\, \\frac{x - \\bar{x}_c}{\\sqrt{\\operatorname{var}_c + \\varepsilon}}
            + \\beta_c

    per channel ``c``. In training, ``x̄_c`` and ``var_c`` are the batch's mean and
    (biased) variance over ``N, H, W``, and the running statistics move
    towards them: ``running = (1 - ρ) * running + ρ * batch`` with ``ρ = momentum``
    (the running variance uses the unbiased batch variance, as PyTorch does).
    In ``eval()`` mode the running statistics are used, so a single image gets
    the same answer whatever batch it comes in.

    Parameters
    ----------
    num_features : int
        ``C``, the number of channels.
    eps : float, default 1e-5
        Added to the variance so the division is safe.
    momentum : float, default 0.1
        How far the running statistics move towards each batch's.
    impl : {"closed_form", "naive"}, default "closed_form"
        Which training-mode backward to use (equal results).

    Attributes
    ----------
    weight, bias : Parameter
        ``gamma`` (ones) and ``beta`` (zeros), shape ``(C,)``.
    running_mean, running_var : ndarray
        Saved in ``state_dict`` next to the parameters (not trained).

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H, W)``

    Examples
    --------
    >>> bn = BatchNorm2d(2)
    >>> z = bn(np.arange(16.0).reshape(2, 2, 2, 2))
    >>> np.round(z.mean(axis=(0, 2, 3)), 6), np.round(z.std(axis=(0, 2, 3)), 3)
    (array([0., 0.]), array([1., 1.]))
    """

    buffers = ("running_mean", "running_var")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, impl="closed_form"):
        self.num_features = check_positive_int(num_features, "num_features")
        if not isinstance(eps, numbers.Real) or isinstance(eps, bool) or not eps > 0:
            raise ValueError(f"BatchNorm2d eps must be a positive number, got {eps!r}")
        self.eps = float(eps)
        self.momentum = _check_fraction(momentum, "momentum", low_open=False)
        self.impl = impl
        self.weight = Parameter(np.ones(self.num_features, dtype=np.float32))
        self.bias = Parameter(np.zeros(self.num_features, dtype=np.float32))
        self.running_mean = np.zeros(self.num_features, dtype=np.float32)
        self.running_var = np.ones(self.num_features, dtype=np.float32)
        self._cache = None

    def forward(self, x):
        x = as_float_array(x, "x")
        check_ndim(x, 4, "x", "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d expected input with {self.num_features} channels, "
                f"got {x.shape[1]} (shape {x.shape})"
            )
        if self.training:
            mean, var = self._batch_statistics(x)
        else:
            mean, var = self.running_mean, self.running_var
        z, cache = batch_norm2d(x, self.weight.data, self.bias.data, mean, var, self.eps)
        self._cache = (cache, self.training, x.shape)
        return z

    def _batch_statistics(self, x):
        m = x.size // x.shape[1]  # values per channel
        if m < 2:
            raise ValueError(
                f"BatchNorm2d in training needs more than 1 value per channel to compute a "
                f"variance, got input of shape {x.shape}; train with a batch of at least 2 "
                "images, or call .eval() to use the running statistics"
            )
        mean, var = x.mean(axis=AXES), x.var(axis=AXES)
        keep, new = 1.0 - self.momentum, self.momentum
        dtype = self.running_mean.dtype
        self.running_mean = (keep * self.running_mean + new * mean).astype(dtype)
        unbiased = var * m / (m - 1)
        self.running_var = (keep * self.running_var + new * unbiased).astype(dtype)
        return mean, var

    def backward(self, grad_output):
        cache, batch_stats, shape = self._saved(self._cache)
        grad_output = check_grad_output(grad_output, shape, "BatchNorm2d.backward")
        dx, d_weight, d_bias = batch_norm2d_backward(grad_output, cache, batch_stats, self.impl)
        self.weight.grad += d_weight
        self.bias.grad += d_bias
        return dx

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"
