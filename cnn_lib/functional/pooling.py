"""Max and average pooling over windows of each channel, and their gradients.

Pooling slides a ``kH x kW`` window with step ``stride`` (default: the window
size, so windows tile the image) over every channel separately:

    max:  y[n, c, i, j] = max_{u, v}  x[n, c, i*sH + u, j*sW + v]
    avg:  y[n, c, i, j] = mean_{u, v} x[n, c, i*sH + u, j*sW + v]

Backward: average pooling spreads each output gradient evenly over its
window; max pooling sends it all to the pixel that won the max (the first one
in reading order on ties, as PyTorch does).

``*_naive`` functions loop over output positions and read like the formulas.
The others loop only over the ``kH * kW`` offsets inside the window, each step
a vectorized operation on the whole batch; overlapping windows (stride <
kernel) work in both.
"""

from __future__ import annotations

import numpy as np

from cnn_lib._validation import as_float_array, check_grad_output, check_ndim, pair
from cnn_lib.functional.padding import _fit_windows, window_offsets


def _check_pool(x, kernel_size, stride):
    """Validate a pooling call; return ``x, (kH, kW), (sH, sW), (H_out, W_out)``."""
    x = as_float_array(x, "x")
    return (x, *_check_pool_shape(x.shape, kernel_size, stride, "x"))


def _check_pool_shape(shape, kernel_size, stride, name):
    check_ndim(np.broadcast_to(0.0, shape), 4, name, "(N, C, H, W)")
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    out_hw = tuple(
        _fit_windows(size, k, s, 1, f"the input {axis}", "use a smaller kernel_size")
        for axis, size, k, s in zip(("height", "width"), shape[2:], kernel, stride, strict=True)
    )
    return kernel, stride, out_hw


# --- the readable versions -----------------------------------------------------


def max_pool2d_naive(x, kernel_size, stride=None):
    """Max pooling as a loop over output positions (the teaching version).

    Examples
    --------
    >>> max_pool2d_naive(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x, (kh, kw), (sh, sw), (out_h, out_w) = _check_pool(x, kernel_size, stride)
    y = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            y[:, :, i, j] = window.max(axis=(2, 3))
    return y


def max_pool2d_backward_naive(grad_output, x, kernel_size, stride=None):
    """Gradient of max pooling, one window at a time: all of it goes to the argmax.

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    >>> max_pool2d_backward_naive(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x, (kh, kw), (sh, sw), (out_h, out_w) = _check_pool(x, kernel_size, stride)
    grad_x = np.zeros(x.shape, dtype=np.result_type(grad_output, x))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    # np.argmax returns the first maximum in reading order.
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    grad_x[n, c, i * sh + u, j * sw + v] += grad_output[n, c, i, j]
    return grad_x


# --- the fast versions -----------------------------------------------------------


def max_pool2d(x, kernel_size, stride=None):
    """Max over each ``kernel_size`` window of every channel, like ``torch``'s.

    Parameters
    ----------
    x : array_like, shape ``(N, C, H, W)``
    kernel_size : int or (kH, kW)
    stride : int or (sH, sW), optional
        Defaults to ``kernel_size`` (non-overlapping windows).

    Returns
    -------
    ndarray, shape ``(N, C, H_out, W_out)``, ``H_out = floor((H - kH) / sH) + 1``

    Shapes
    ------
    ``x: (N, C, H, W) -> (N, C, H_out, W_out)``

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, kernel, stride, out_hw = _check_pool(x, kernel_size, stride)
    return _max_pool2d(x, kernel, stride, out_hw)


def _max_pool2d(x, kernel, stride, out_hw):
    """Unchecked forward: a running maximum over the window offsets.

    The max over a ``kH x kW`` window is the max over its columns of the max
    over its rows, so take the ``kH`` row offsets first (whole contiguous rows,
    fast) and then the ``kW`` column offsets on the smaller result: ``kH + kW``
    passes instead of ``kH * kW``, each reading memory more in order.
    """
    (kh, kw), (sh, sw), (out_h, out_w) = kernel, stride, out_hw
    rows = [slice(u, u + sh * (out_h - 1) + 1, sh) for u in range(kh)]
    cols = [slice(v, v + sw * (out_w - 1) + 1, sw) for v in range(kw)]
    y_rows = _running_max([x[:, :, r, :] for r in rows])  # (N, C, H_out, W)
    return _running_max([y_rows[..., c] for c in cols])


def _running_max(views):
    """Elementwise max of equally shaped arrays, as a new array."""
    first, *rest = views
    if not rest:
        return first.copy()
    out = np.maximum(first, rest[0])  # allocates: no separate copy pass
    for view in rest[1:]:
        np.maximum(out, view, out=out)
    return out


def max_pool2d_backward(grad_output, x, kernel_size, stride=None):
    """Route each output gradient to the (first) maximum of its window.

    Parameters
    ----------
    grad_output : array_like, shape ``(N, C, H_out, W_out)``
    x : array_like, shape ``(N, C, H, W)``
        The forward input.
    kernel_size, stride
        As given to :func:`max_pool2d`.

    Returns
    -------
    ndarray, shape ``(N, C, H, W)``

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x, kernel, stride, out_hw = _check_pool(x, kernel_size, stride)
    grad_output = check_grad_output(grad_output, (*x.shape[:2], *out_hw), "max_pool2d_backward")
    return _max_pool2d_backward(
        grad_output, x, _max_pool2d(x, kernel, stride, out_hw), kernel, stride
    )


def _max_pool2d_backward(grad_output, x, y, kernel, stride):
    """Backward given the forward output ``y``; no argmax, no one-hot masks.

    Visit the window offsets in reading order; a pixel equal to its window's
    max takes the gradient unless an earlier offset already did (ties).
    """
    (kh, kw), (sh, sw) = kernel, stride
    # Non-overlapping windows write each pixel at most once, so plain writes
    # replace "+="; if they also tile the input exactly, nothing needs zeroing.
    disjoint = sh >= kh and sw >= kw
    tiled = (sh, sw) == (kh, kw) and x.shape[2:] == (y.shape[2] * kh, y.shape[3] * kw)
    dtype = np.result_type(grad_output, x)
    grad_x = np.empty(x.shape, dtype) if tiled else np.zeros(x.shape, dtype)
    unrouted = np.ones(y.shape, dtype=bool)
    hit = np.empty(y.shape, dtype=bool)
    for _, _, rows, cols in window_offsets(kernel, stride, (1, 1), y.shape[2:]):
        np.equal(x[:, :, rows, cols], y, out=hit)
        hit &= unrouted  # only the first maximum of each window...
        unrouted ^= hit  # ...and none after it
        if disjoint:
            np.multiply(grad_output, hit, out=grad_x[:, :, rows, cols])
        else:
            grad_x[:, :, rows, cols] += grad_output * hit
    return grad_x


def avg_pool2d(x, kernel_size, stride=None):
    """Mean over each ``kernel_size`` window of every channel, like ``torch``'s.

    Parameters, returns and shapes as in :func:`max_pool2d`.

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, (kh, kw), stride, out_hw = _check_pool(x, kernel_size, stride)
    y = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
    for _, _, rows, cols in window_offsets((kh, kw), stride, (1, 1), out_hw):
        y += x[:, :, rows, cols]
    y /= kh * kw
    return y


def avg_pool2d_backward(grad_output, input_shape, kernel_size, stride=None):
    """Spread each output gradient evenly over the ``kH * kW`` pixels of its window.

    Parameters
    ----------
    grad_output : array_like, shape ``(N, C, H_out, W_out)``
    input_shape : tuple ``(N, C, H, W)``
        Shape of the forward input.
    kernel_size, stride
        As given to :func:`avg_pool2d`.

    Returns
    -------
    ndarray, shape ``input_shape``

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    input_shape = tuple(input_shape)
    (kh, kw), stride, out_hw = _check_pool_shape(input_shape, kernel_size, stride, "input_shape")
    expected = (*input_shape[:2], *out_hw)
    grad_output = check_grad_output(grad_output, expected, "avg_pool2d_backward")
    share = grad_output / (kh * kw)
    grad_x = np.zeros(input_shape, dtype=share.dtype)
    for _, _, rows, cols in window_offsets((kh, kw), stride, (1, 1), out_hw):
        grad_x[:, :, rows, cols] += share
    return grad_x
