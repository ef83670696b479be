"""Batch-norm backward, one node of the computational graph at a time.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb).

The forward pass, split into elementary steps (per channel, ``count`` = N * H * W values)::

    mean = mean(x)          xc = x - mean         var = mean(xc ** 2)
    std = sqrt(var + eps)   inv = 1 / std        x_hat = xc * inv
    z = gamma * x_hat + beta

The backward pass below visits the same nodes in reverse, applying the chain
rule to each. It is longer than the closed form in ``batchnorm.py`` but every
line is one derivative a learner can check by hand.
"""

from __future__ import annotations

import numpy as np

AXES = (0, 2, 3)


def batch_norm2d_backward_naive(grad_output, cache):
    """``dL/dx`` of training-mode batch norm, derived node by node.

    Parameters
    ----------
    grad_output : ndarray
        ``dL/dz``, shape ``(N, C, H, W)``.
    cache : tuple
        ``(xc, inv, x_hat, gamma)`` from ``batch_norm2d``.

    Shapes
    ------
    ``grad_output: (N, C, H, W) -> dx: (N, C, H, W)``
    """
    xc, inv, _, gamma = cache
    count = xc.size / xc.shape[1]  # values per channel
    gamma = np.asarray(gamma).reshape(1, -1, 1, 1)
    d_x_hat = grad_output * gamma  # z = gamma * x_hat + beta
    d_inv = np.sum(d_x_hat * xc, axis=AXES, keepdims=True)  # x_hat = xc * inv
    d_xc = d_x_hat * inv  # ... and xc's first path
    std = 1.0 / inv
    d_std = -d_inv / std**2  # inv = 1 / std
    d_var = d_std * 0.5 / std  # std = sqrt(var + eps)
    d_xc = d_xc + 2.0 * xc * d_var / count  # var = mean(xc ** 2): xc's second path
    d_mean = -np.sum(d_xc, axis=AXES, keepdims=True)  # xc = x - mean
    return d_xc + d_mean / count  # mean = mean(x): x's second path
