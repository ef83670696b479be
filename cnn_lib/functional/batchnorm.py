"""Batch normalization over the channels of NCHW arrays, and its gradient.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb).

For each channel ``c``, over the ``N * H * W`` values of the batch
(the book's notation, see the notation appendix):

    x̄_c = mean of x[:, c],   var_c = mean of (x[:, c] - x̄_c)^2   (biased)
    x̂ = (x - x̄_c) / sqrt(var_c + ε),   z = γ_c x̂ + β_c

The backward pass comes twice: step by step through the computational graph
(``batchnorm_naive.batch_norm2d_backward_naive``, as CS231n derives it) and in
the simplified closed form below, which the layer uses. Tests keep them equal.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import check_choice
from cnn_lib.functional.batchnorm_naive import batch_norm2d_backward_naive

AXES = (0, 2, 3)  # every axis but the channel: statistics are per channel
IMPLS = ("closed_form", "naive")


def per_channel(v):
    """Reshape a ``(C,)`` vector to ``(1, C, 1, 1)`` so it broadcasts over NCHW."""
    return np.asarray(v).reshape(1, -1, 1, 1)


def batch_norm2d(x, weight, bias, mean, var, eps=1e-5):
    """Normalize ``x`` with the given per-channel ``mean`` and ``var``, then scale and shift.

    Training passes the batch's own statistics, evaluation the running ones.

    Returns
    -------
    z : ndarray
        ``weight * (x - mean) / sqrt(var + eps) + bias``, per channel.
    cache : tuple
        What the backward pass needs.

    Shapes
    ------
    ``x: (N, C, H, W)``, ``weight, bias, mean, var: (C,)`` -> ``z: (N, C, H, W)``
    """
    inv_std = 1.0 / np.sqrt(per_channel(var) + eps)
    x_centred = x - per_channel(mean)
    x_hat = x_centred * inv_std
    z = per_channel(weight) * x_hat + per_channel(bias)
    return z, (x_centred, inv_std, x_hat, weight)


def batch_norm2d_backward(grad_output, cache, batch_stats=True, impl="closed_form"):
    """Gradients ``(dx, dweight, dbias)`` of :func:`batch_norm2d`.

    With ``batch_stats=True`` (training) the mean and variance depend on
    ``x`` too, and the closed form is, per channel, with ``M = N * H * W``
    values and ``sd = sqrt(var_c + ε)``::

        dx = γ_c / (M * sd) * (M * g - sum(g) - x̂ * sum(g * x̂))

    With ``batch_stats=False`` (evaluation) they are constants and
    ``dx = γ_c * g / sd``.

    Parameters
    ----------
    impl : {"closed_form", "naive"}
        ``"naive"`` walks the computational graph one node at a time.

    Shapes
    ------
    ``grad_output: (N, C, H, W)`` -> ``dx: (N, C, H, W)``, ``dweight, dbias: (C,)``
    """
    impl = check_choice(impl, IMPLS, "impl")
    x_centred, inv_std, x_hat, weight = cache
    d_weight = np.sum(grad_output * x_hat, axis=AXES)
    d_bias = np.sum(grad_output, axis=AXES)
    if not batch_stats:
        return grad_output * per_channel(weight) * inv_std, d_weight, d_bias
    if impl == "naive":
        return batch_norm2d_backward_naive(grad_output, cache), d_weight, d_bias
    m = x_hat.size / x_hat.shape[1]  # values per channel
    dx = (per_channel(weight) * inv_std / m) * (
        m * grad_output - per_channel(d_bias) - x_hat * per_channel(d_weight)
    )
    return dx, d_weight, d_bias
