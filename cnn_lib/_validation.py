"""Input checks shared by every public entry point.

Each check raises ``ValueError`` with a message that names the argument, says
what was expected and shows what was received, so a learner can fix the call
without reading the library's source. Cheap checks (shapes, channels, sizes)
come before expensive ones (converting dtypes, scanning for NaN), so a wrong
call on a huge array fails at once. No chapter teaches this module; every
chapter's code meets its messages.
"""

from __future__ import annotations

import math

import numpy as np

#: Largest array (in bytes) an operation allocates without refusing up front.
MAX_ARRAY_BYTES = 2 * 2**30


def as_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a numeric ndarray without copying or scanning it.

    Refuses ragged nested lists and non-numeric dtypes with a clear message.
    Callers check shapes next, then call :func:`as_float_array`.
    """
    if isinstance(x, np.ndarray):
        array = x
    else:
        try:
            array = np.asarray(x)
        except ValueError as err:  # NumPy's "inhomogeneous shape" message
            raise ValueError(
                f"{name} is a ragged nested list (its rows have different lengths), so it "
                "is not an array; give every row the same length, or pass an ndarray"
            ) from err
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    return array


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, refusing NaN.

    Integer input (e.g. ``uint8`` pixels) is converted to float32; float input
    keeps its dtype so float64 gradient checks stay in float64. Integers cannot
    hold NaN, so only float input is scanned.
    """
    x = as_array(x, name)
    if x.dtype.kind != "f":
        return x.astype(np.float32)
    # min() propagates NaN and, unlike isnan(x).any(), allocates no mask: this
    # check runs on every layer input, so it must cost less than the layer.
    if x.size and np.isnan(x.min()):
        raise ValueError(
            f"{name} contains NaN values (shape {x.shape}); "
            "clean the data (e.g. np.nan_to_num) before passing it in"
        )
    return x


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise unless every entry of ``array`` (e.g. a layer's weights) is finite."""
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} contains NaN or infinite values (shape {array.shape}); the weights "
            "diverged (try a lower learning rate) or were loaded from a bad file"
        )


def check_allocation(shape, dtype, what: str, who: str, fix: str) -> None:
    """Refuse, before allocating, an array of ``shape`` larger than ``MAX_ARRAY_BYTES``.

    ``what`` names the array (e.g. ``"the im2col matrix"``), ``fix`` says how to shrink it.
    """
    nbytes = math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise ValueError(
            f"{who} would allocate {what} of shape {tuple(shape)}, {nbytes / 2**30:.3g} GiB "
            f"(more than the {MAX_ARRAY_BYTES / 2**30:g} GiB limit); {fix}"
        )


def check_rng(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``rng`` (a Generator, an int seed or None)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng must be a non-negative int seed, got {rng}")
        return np.random.default_rng(rng)
    raise ValueError(
        "rng must be a numpy.random.Generator, a non-negative int seed or None, "
        f"got {rng!r} ({type(rng).__name__}); e.g. rng=0 or rng=np.random.default_rng(0)"
    )


def uniform_float32(rng: np.random.Generator, bound: float, shape) -> np.ndarray:
    """Float32 samples of ``U(-bound, bound)``, drawn in float32 (no float64 copy).

    ``rng.uniform`` always returns float64: for ``Linear(20_000_000, 10)`` that
    is a 1.6 GB temporary for an 800 MB weight. Scaling ``rng.random`` in place
    keeps the peak at the final array's size.
    """
    w = rng.random(shape, dtype=np.float32)
    w *= np.float32(2 * bound)
    w -= np.float32(bound)
    return w


def check_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise unless ``x`` has ``ndim`` dimensions (``layout`` e.g. ``"(N, C, H, W)"``)."""
    if x.ndim == ndim:
        return
    hint = ""
    if x.ndim == ndim - 1:
        hint = f"; for a single sample add a batch axis with {name}[None]"
    raise ValueError(
        f"{name} must be {ndim}-D with layout {layout}, "
        f"got {x.ndim}-D array of shape {x.shape}{hint}"
    )


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as int if it is a positive integer, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


def pair(value, name: str) -> tuple[int, int]:
    """Turn an int or a 2-tuple into ``(height, width)`` positive ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), got {value!r}")
        return check_positive_int(value[0], name), check_positive_int(value[1], name)
    v = check_positive_int(value, name)
    return v, v


def check_choice(value, choices, name: str) -> str:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_labels(targets, num_classes: int, name: str = "targets") -> np.ndarray:
    """Validate integer class labels of shape ``(N,)`` in ``[0, num_classes)``."""
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be integer class indices, got dtype {targets.dtype}; "
            f"if they are whole numbers stored as floats use {name}.astype(int)"
        )
    if targets.ndim != 1:
        raise ValueError(f"{name} must be 1-D (N,), got shape {targets.shape}")
    if targets.size and (targets.min() < 0 or targets.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes - 1}] for {num_classes} classes, "
            f"got values from {targets.min()} to {targets.max()}"
        )
    return targets.astype(np.int64, copy=False)


def check_grad_output(grad_output, expected_shape, who: str) -> np.ndarray:
    """Return ``grad_output`` as a float array; raise unless it has the output's shape.

    ``who`` names the caller in the message, e.g. ``"Conv2d.backward"``.
    """
    grad_output = as_float_array(grad_output, "grad_output")
    if grad_output.shape != tuple(expected_shape):
        raise ValueError(
            f"{who} expected grad_output of shape {tuple(expected_shape)} "
            f"(the forward output's), got {grad_output.shape}"
        )
    return grad_output
