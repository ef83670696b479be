"""Fast max and average pooling: loop over the window offsets, not the pixels.

Taught in chapter 15, Making it fast; ``impl="fast"`` (the default of
:func:`cnn_lib.functional.max_pool2d` and the pooling layers) runs these
functions after checking the arguments. They take the same arguments as
their loop twins in :mod:`cnn_lib.functional.pooling_naive` and give the
same results (ties go to the first maximum in reading order).

A ``kH x kW`` window has ``kH * kW`` offsets ``(u, v)``; for each, the pixels
that offset meets as the window slides form one strided ``(H_out, W_out)``
grid, so each step is one vectorized operation on the whole batch (the
backward passes and average pooling do this). Max pooling's forward needs
fewer steps: the row offsets first, then the column offsets, ``kH + kW``
passes. Overlapping windows (stride < kernel) work too. Max pooling computes
parts of the batch at once with :func:`cnn_lib.threads.set_num_threads` above 1.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.padding import pool_geometry, window_offsets
from cnn_lib.threads import run_in_parts


def max_pool2d_fast(x, kernel_size, stride=None):
    """Max pooling as a running maximum over the window offsets.

    The max over a ``kH x kW`` window is the max over its columns of the max
    over its rows, so take the ``kH`` row offsets first (whole contiguous rows,
    fast) and then the ``kW`` column offsets on the smaller result: ``kH + kW``
    passes instead of ``kH * kW``, each reading memory more in order.

    Examples
    --------
    >>> from cnn_lib.functional.pooling_naive import max_pool2d_naive
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 7, 7))
    >>> np.array_equal(max_pool2d_fast(x, 3, 2), max_pool2d_naive(x, 3, 2))
    True
    """
    (kh, kw), (sh, sw), (out_h, out_w) = pool_geometry(x.shape, kernel_size, stride)
    rows = [slice(u, u + sh * (out_h - 1) + 1, sh) for u in range(kh)]
    cols = [slice(v, v + sw * (out_w - 1) + 1, sw) for v in range(kw)]
    y = np.empty((*x.shape[:2], out_h, out_w), dtype=x.dtype)

    def pool(start, stop):  # samples start..stop-1
        part = x[start:stop]
        y_rows = _running_max([part[:, :, r, :] for r in rows])  # (n, C, H_out, W)
        _running_max([y_rows[..., c] for c in cols], out=y[start:stop])

    run_in_parts(pool, len(x), size=x.size)  # parts at the same time, with set_num_threads
    return y


def _running_max(views, out=None):
    """Elementwise max of equally shaped arrays, into ``out`` (a new array if None)."""
    first, *rest = views
    if not rest:
        if out is None:
            return first.copy()
        out[...] = first
        return out
    out = np.maximum(first, rest[0], out=out)  # no separate copy pass
    for view in rest[1:]:
        np.maximum(out, view, out=out)
    return out


def max_pool2d_backward_fast(grad_output, x, kernel_size, stride=None, y=None):
    """Route each output gradient to the (first) maximum of its window.

    Visit the window offsets in reading order; a pixel equal to its window's
    max takes the gradient unless an earlier offset already did (ties).

    Parameters
    ----------
    grad_output, x, kernel_size, stride
        As for :func:`cnn_lib.functional.max_pool2d_backward`.
    y : ndarray, optional
        The forward output, if kept; recomputed when None.

    Examples
    --------
    >>> from cnn_lib.functional.pooling_naive import max_pool2d_backward_naive
    >>> rng = np.random.default_rng(0)
    >>> x, g = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(2, 3, 3, 3))
    >>> np.allclose(max_pool2d_backward_fast(g, x, 3, 2), max_pool2d_backward_naive(g, x, 3, 2))
    True
    """
    (kh, kw), (sh, sw), out_hw = pool_geometry(x.shape, kernel_size, stride)
    y = max_pool2d_fast(x, kernel_size, stride) if y is None else y
    # Non-overlapping windows write each pixel at most once, so plain writes
    # replace "+="; if they also tile the input exactly, nothing needs zeroing.
    disjoint = sh >= kh and sw >= kw
    tiled = (sh, sw) == (kh, kw) and x.shape[2:] == (out_hw[0] * kh, out_hw[1] * kw)
    dtype = np.result_type(grad_output, x)
    dx = np.empty(x.shape, dtype) if tiled else np.zeros(x.shape, dtype)

    def route(start, stop):  # samples start..stop-1
        part = slice(start, stop)
        _route_to_first_max(
            dx[part], grad_output[part], x[part], y[part], (kh, kw), (sh, sw), disjoint
        )

    run_in_parts(route, len(x), size=x.size)  # parts at the same time, with set_num_threads
    return dx


def _route_to_first_max(dx, grad_output, x, y, kernel_size, stride, disjoint):
    """Add into ``dx`` each gradient of ``grad_output`` at its window's first maximum."""
    unrouted = np.ones(y.shape, dtype=bool)
    hit = np.empty(y.shape, dtype=bool)
    for _, _, rows, cols in window_offsets(kernel_size, stride, (1, 1), y.shape[2:]):
        np.equal(x[:, :, rows, cols], y, out=hit)
        hit &= unrouted  # only the first maximum of each window...
        unrouted ^= hit  # ...and none after it
        if disjoint:
            np.multiply(grad_output, hit, out=dx[:, :, rows, cols])
        else:
            dx[:, :, rows, cols] += grad_output * hit


def avg_pool2d_fast(x, kernel_size, stride=None):
    """Average pooling as a sum over the window offsets, divided by ``kH * kW``.

    Examples
    --------
    >>> avg_pool2d_fast(np.ones((1, 1, 4, 4)), 2, 1).shape
    (1, 1, 3, 3)
    """
    (kh, kw), stride, out_hw = pool_geometry(x.shape, kernel_size, stride)
    y = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
    for _, _, rows, cols in window_offsets((kh, kw), stride, (1, 1), out_hw):
        y += x[:, :, rows, cols]
    y /= kh * kw
    return y


def avg_pool2d_backward_fast(grad_output, input_shape, kernel_size, stride=None):
    """Spread each output gradient evenly over its window, one offset at a time.

    Examples
    --------
    >>> avg_pool2d_backward_fast(np.array([[[[8.0, 4.0]]]]), (1, 1, 2, 4), 2)[0, 0]
    array([[2., 2., 1., 1.],
           [2., 2., 1., 1.]])
    """
    (kh, kw), stride, out_hw = pool_geometry(input_shape, kernel_size, stride)
    share = grad_output / (kh * kw)
    dx = np.zeros(input_shape, dtype=share.dtype)
    for _, _, rows, cols in window_offsets((kh, kw), stride, (1, 1), out_hw):
        dx[:, :, rows, cols] += share
    return dx
