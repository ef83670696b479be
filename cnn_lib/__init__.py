"""cnn_lib: convolutional neural networks from scratch in NumPy.

The library behind the book. Everything public is importable from here::

    import cnn_lib as cl
    model = cl.Sequential(cl.Conv2d(1, 8, 3, padding=1), cl.ReLU(), ...)
"""

from cnn_lib.layers.module import Module, Parameter, Sequential

__version__ = "0.1.0"

__all__ = ["Module", "Parameter", "Sequential"]
