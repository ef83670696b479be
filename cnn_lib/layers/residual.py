"""``Residual``: a block whose input is added back to its output.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb).
"""

from __future__ import annotations

from cnn_lib.layers.module import Module


class Residual(Module):
    """``z = block(x) + shortcut(x)``, the book's ``z = F(x) + x``: the identity path of a ResNet.

    The shortcut is the identity when ``None``. When the block changes the
    number of channels or the size (a stride of 2), the two paths no longer
    have the same shape; a 1x1 convolution with the same stride, as in
    ResNet, makes the shortcut match.

    Backward follows both paths and adds their input gradients,
    ``dL/dx = block.backward(g) + shortcut.backward(g)``: with an identity
    shortcut, ``g`` itself reaches ``x`` unchanged, however small the block's
    gradient has become. That is why very deep residual networks train.

    Parameters
    ----------
    block : Module
        The main path, e.g. conv - batch norm - ReLU - conv - batch norm.
    shortcut : Module or None
        The second path; ``None`` for the identity.

    Shapes
    ------
    ``x: (N, C_in, H, W) -> (N, C_out, H_out, W_out)``, the block's output shape,
    which the shortcut's output must equal.

    Examples
    --------
    >>> import numpy as np
    >>> from cnn_lib.layers.conv import Conv2d
    >>> block = Residual(Conv2d(2, 2, 3, padding=1, rng=0))
    >>> block(np.ones((1, 2, 4, 4))).shape
    (1, 2, 4, 4)
    >>> down = Residual(Conv2d(2, 4, 3, stride=2, padding=1, rng=0),
    ...                 shortcut=Conv2d(2, 4, 1, stride=2, rng=1))
    >>> down(np.ones((1, 2, 4, 4))).shape
    (1, 4, 2, 2)
    """

    def __init__(self, block: Module, shortcut: Module | None = None):
        for name, part in (("block", block), ("shortcut", shortcut)):
            if part is not None and not isinstance(part, Module):
                raise ValueError(
                    f"Residual {name} must be a Module (a layer or a Sequential), "
                    f"got {type(part).__name__}"
                )
        if block is None:
            raise ValueError("Residual needs a block, got None")
        self.block = block
        self.shortcut = shortcut

    def forward(self, x):
        main = self.block(x)
        side = x if self.shortcut is None else self.shortcut(x)
        if main.shape != side.shape:
            fix = "pass shortcut=Conv2d(C_in, C_out, 1, stride=s) to match the block"
            raise ValueError(
                f"Residual block output has shape {main.shape} but the shortcut gives "
                f"{side.shape}; {fix}"
            )
        return main + side

    def backward(self, grad_output):
        grad_main = self.block.backward(grad_output)
        if self.shortcut is None:
            return grad_main + grad_output  # the identity passes g through unchanged
        return grad_main + self.shortcut.backward(grad_output)

    def __repr__(self) -> str:
        shortcut = "identity" if self.shortcut is None else repr(self.shortcut)
        inner = repr(self.block).replace("\n", "\n  ")
        return f"Residual(\n  block={inner},\n  shortcut={shortcut}\n)"
