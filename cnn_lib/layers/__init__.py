"""Layers: ``Module`` subclasses with forward/backward pairs (PyTorch names)."""

from cnn_lib.layers.module import Module, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential"]
