"""The ``Softmax`` layer: scores in, probabilities out.

For training a classifier, prefer raw logits with ``CrossEntropyLoss``, which
fuses softmax and the log into one stable step with the simple gradient
``(softmax - onehot) / N``. This layer is for when the probabilities
themselves are the output (and for showing softmax's own backward pass).
Taught in chapter 9, Softmax and cross-entropy.
"""

from __future__ import annotations

from cnn_lib._validation import check_grad_output
from cnn_lib.functional.softmax import softmax, softmax_backward
from cnn_lib.layers.module import Module


class Softmax(Module):
    """Apply ``softmax`` along ``axis``; backward is its Jacobian-vector product.

    Parameters
    ----------
    axis : int, default -1
        The axis holding the classes.

    Shapes
    ------
    ``x: (*) -> (*)``, typically ``(N, num_classes) -> (N, num_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> Softmax()(np.zeros((1, 4)))
    array([[0.25, 0.25, 0.25, 0.25]])
    """

    def __init__(self, axis=-1):
        self.axis = axis
        self._y = None

    def forward(self, x):
        self._y = softmax(x, axis=self.axis)
        return self._y

    def backward(self, grad_output):
        y = self._saved(self._y)
        grad_output = check_grad_output(grad_output, y.shape, "Softmax.backward")
        return softmax_backward(grad_output, y, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
