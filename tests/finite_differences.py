"""A test-only finite-difference helper, independent of ``cnn_lib.gradcheck``."""

import numpy as np


def numerical_grad(f, a, eps=1e-6):
    """Centred finite differences of the scalar f() with respect to array a (in place)."""
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        f_plus = f()
        a[idx] = old - eps
        f_minus = f()
        a[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
