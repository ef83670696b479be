"""Input checks shared by every public entry point.

Each check raises ``ValueError`` with a message that names the argument, says
what was expected and shows what was received, so a learner can fix the call
without reading the library's source.
"""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, refusing NaN.

    Integer input (e.g. ``uint8`` pixels) is converted to float32; float input
    keeps its dtype so float64 gradient checks stay in float64.
    """
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        x = x.astype(np.float32)
    elif x.dtype.kind != "f":
        raise ValueError(f"{name} must be a numeric array, got dtype {x.dtype}")
    # min() propagates NaN and, unlike isnan(x).any(), allocates no mask: this
    # check runs on every layer input, so it must cost less than the layer.
    if x.size and np.isnan(x.min()):
        raise ValueError(
            f"{name} contains NaN values (shape {x.shape}); "
            "clean the data (e.g. np.nan_to_num) before passing it in"
        )
    return x


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
