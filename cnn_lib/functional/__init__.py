"""Pure functions: the operations of a CNN and their gradients, no state.

Every operation that exists twice takes ``impl="naive"`` (the loops the
chapters print) or its fast default, and its modules follow one grid of
names: ``conv_naive.conv2d_naive`` / ``conv_naive.conv2d_backward_naive``
beside ``conv_im2col.conv2d_im2col`` / ``conv_im2col.conv2d_backward_im2col``;
``pooling_naive.max_pool2d_naive`` / ``pooling_naive.max_pool2d_backward_naive``
beside ``pooling_fast.max_pool2d_fast`` / ``pooling_fast.max_pool2d_backward_fast``
(and the same for ``avg_pool2d``).
"""

# Activations, softmax and cross-entropy (pure functions with their gradients).
from cnn_lib.functional.activations import (  # noqa: F401
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)

# Batch normalization.
from cnn_lib.functional.batchnorm import batch_norm2d, batch_norm2d_backward  # noqa: F401

# Convolution and pooling: public dispatchers with impl=...
from cnn_lib.functional.conv import conv2d, conv2d_backward  # noqa: F401
from cnn_lib.functional.correlate import convolve2d, correlate2d  # noqa: F401
from cnn_lib.functional.padding import conv_output_size, pad2d, resolve_padding  # noqa: F401
from cnn_lib.functional.pooling import (  # noqa: F401
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from cnn_lib.functional.softmax import (  # noqa: F401
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
    one_hot,
    softmax,
    softmax_backward,
)
