"""Trace a network without running it: output shapes, parameters, receptive fields, memory.

For every layer of a ``Sequential`` (nested ones too) the tracer derives, by
closed-form rules only,

- the output shape, with ``conv_output_size`` (pooling uses the same formula:
  ``floor((n - k) / s) + 1``);
- the number of trainable parameters;
- the **receptive field** (how many input pixels, per axis, one output unit can
  see) and the **jump** (how many input pixels apart two neighbouring output
  units are). A layer with kernel ``k``, stride ``s`` and dilation ``d`` maps
  ``rf_out = rf_in + d * (k - 1) * jump_in`` and ``jump_out = jump_in * s``;
  elementwise layers keep both; after ``Flatten`` / ``Linear`` every unit sees
  the whole input (shown as ``"all"``);
- the memory of the layer's output for one sample, in float32 bytes.

Taught in chapter 13, Training end to end (book/13_training_end_to_end.ipynb),
where ``summary`` checks the network's shapes before training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn_lib._validation import check_positive_int, pair
from cnn_lib.functional.padding import conv_output_size
from cnn_lib.layers import activations, batchnorm, conv, dropout, linear, pooling, softmax
from cnn_lib.layers.residual import Residual
from cnn_lib.layers.sequential import Sequential

FLOAT32_BYTES = 4
NOWRAP = ' style="white-space:nowrap"'
ELEMENTWISE = (
    activations.ReLU,
    activations.LeakyReLU,
    activations.Sigmoid,
    activations.Tanh,
    dropout.Dropout,
    softmax.Softmax,
    batchnorm.BatchNorm2d,  # per-channel scale and shift: shape and field unchanged
)


@dataclass
class LayerTrace:
    """One row of a trace.

    Attributes
    ----------
    index : str
        Position in the model, dotted for nested ``Sequential`` (``"3.1"``).
    name : str
        The layer's ``repr``.
    output_shape : tuple of int
        Per sample (no batch axis).
    params : int
    receptive_field, jump : (int, int) or None
        In input pixels (rows, columns); ``None`` means the whole input.
    bytes : int
        Size of the output of one sample in float32.
    """

    index: str
    name: str
    output_shape: tuple
    params: int
    receptive_field: tuple | None
    jump: tuple | None
    bytes: int

    @property
    def rf_text(self) -> str:
        """``"5x5"`` or ``"all"``."""
        return "all" if self.receptive_field is None else "x".join(map(str, self.receptive_field))


def _check_input_shape(input_shape) -> tuple:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
    if len(shape) not in (1, 3):
        hint = "; drop the batch axis, e.g. x.shape[1:]" if len(shape) == 4 else ""
        raise ValueError(
            f"input_shape must be one sample's shape, (C, H, W) or (features,), got {shape}{hint}"
        )
    return tuple(check_positive_int(n, "input_shape") for n in shape)


def _step(layer, shape, rf, jump):
    """Output shape, receptive field and jump after ``layer`` (closed form)."""
    who = type(layer).__name__
    if isinstance(layer, (conv.Conv2d, pooling.MaxPool2d, pooling.AvgPool2d)):
        if len(shape) != 3:
            raise ValueError(f"{who} expected a (C, H, W) input, got shape {shape}")
        if isinstance(layer, conv.Conv2d):
            if shape[0] != layer.in_channels:
                raise ValueError(
                    f"{who} expected input with {layer.in_channels} channels, "
                    f"got {shape[0]} (shape {shape})"
                )
            kernel, stride, dilation = layer.kernel_size, layer.stride, layer.dilation
            pads, channels = layer._pads, layer.out_channels
        else:
            kernel, stride = pair(layer.kernel_size, "kernel_size"), pair(layer.stride, "stride")
            dilation, pads, channels = (1, 1), ((0, 0), (0, 0)), shape[0]
        sides = []
        for axis in range(2):
            n = shape[1 + axis] + sum(pads[axis])  # asymmetric ("same") padding counts fully
            sides.append(conv_output_size(n, kernel[axis], stride[axis], 0, dilation[axis]))
        if rf is not None:
            rf = tuple(rf[a] + dilation[a] * (kernel[a] - 1) * jump[a] for a in range(2))
            jump = tuple(jump[a] * stride[a] for a in range(2))
        return (channels, *sides), rf, jump
    if isinstance(layer, linear.Flatten):
        return (int(np.prod(shape)),), None, None
    if isinstance(layer, linear.Linear):
        if shape != (layer.in_features,):
            raise ValueError(
                f"Linear expected input with {layer.in_features} features, got shape {shape}"
                + ("; add a Flatten() before it" if len(shape) == 3 else "")
            )
        return (layer.out_features,), None, None
    if isinstance(layer, ELEMENTWISE):
        return shape, rf, jump
    raise ValueError(f"trace does not know how {who} changes shapes; supported: {_KNOWN}")


_KNOWN = (
    "Conv2d, MaxPool2d, AvgPool2d, Flatten, Linear, BatchNorm2d, elementwise layers, "
    "Sequential, Residual"
)


def _residual(layer, shape, rf, jump, index, rows):
    """Trace both paths of a ``Residual``, then a row for their sum."""
    block = layer.block if isinstance(layer.block, Sequential) else [layer.block]
    out = _walk(block, shape, rf, jump, index + ".block.", rows)
    side = (shape, rf, jump)
    if layer.shortcut is not None:
        shortcut = layer.shortcut
        shortcut = shortcut if isinstance(shortcut, Sequential) else [shortcut]
        side = _walk(shortcut, shape, rf, jump, index + ".shortcut.", rows)
    if out[0] != side[0]:
        raise ValueError(
            f"Residual {index}: the block gives shape {out[0]} but the shortcut {side[0]}"
        )
    # One output unit sees what either path sees: the larger field of the two.
    field = None if None in (out[1], side[1]) else tuple(map(max, out[1], side[1]))
    size = int(np.prod(out[0])) * FLOAT32_BYTES
    rows.append(LayerTrace(index, "Residual: block + shortcut", out[0], 0, field, out[2], size))
    return out[0], field, out[2]


def _walk(model, shape, rf, jump, prefix, rows):
    for i, layer in enumerate(model):
        index = f"{prefix}{i}"
        if isinstance(layer, Sequential):
            shape, rf, jump = _walk(layer, shape, rf, jump, index + ".", rows)
            continue
        if isinstance(layer, Residual):
            shape, rf, jump = _residual(layer, shape, rf, jump, index, rows)
            continue
        shape, rf, jump = _step(layer, shape, rf, jump)
        params = sum(p.data.size for p in layer.parameters())
        size = int(np.prod(shape)) * FLOAT32_BYTES
        rows.append(LayerTrace(index, repr(layer), shape, params, rf, jump, size))
    return shape, rf, jump


def trace(model, input_shape) -> list[LayerTrace]:
    """Shapes, parameter counts, receptive fields and memory of every layer of ``model``.

    Parameters
    ----------
    model : Sequential
        Possibly nested; its leaves must be cnn_lib layers.
    input_shape : tuple of int
        One sample's shape **without** the batch axis: ``(C, H, W)`` or ``(features,)``.

    Returns
    -------
    list of LayerTrace
        One row per leaf layer, in order.

    Shapes
    ------
    ``input_shape -> rows[-1].output_shape`` (per sample).

    Examples
    --------
    >>> from cnn_lib.layers.conv import Conv2d
    >>> rows = trace(Sequential(Conv2d(1, 4, 3, stride=2)), (1, 9, 9))
    >>> rows[0].output_shape, rows[0].params, rows[0].rf_text, rows[0].jump
    ((4, 4, 4), 40, '3x3', (2, 2))
    """
    if not isinstance(model, Sequential):
        raise ValueError(f"model must be a Sequential, got {type(model).__name__}")
    shape = _check_input_shape(input_shape)
    spatial = len(shape) == 3
    rows = []
    _walk(model, shape, (1, 1) if spatial else None, (1, 1) if spatial else None, "", rows)
    return rows


__all__ = ["LayerTrace", "trace"]
