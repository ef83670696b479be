"""Every input error listed in API.md ("Errors") raises ValueError with a helpful message.

The contract: the message names the argument, the expected value and the
received one; a 3-D image where NCHW is expected suggests ``x[None]``. Each
case below is one row: (id, the failing call, a regex the message must match).
The convolution and pooling rows import those modules lazily and skip when
they are not there.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib._validation import as_float_array
from cnn_lib.functional.activations import relu
from cnn_lib.functional.softmax import cross_entropy, softmax
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.training import evaluate, fit


def conv():
    return pytest.importorskip("cnn_lib.functional.conv")


def conv_layer():
    return pytest.importorskip("cnn_lib.layers.conv")


def pooling():
    return pytest.importorskip("cnn_lib.functional.pooling")


def pool_layer():
    return pytest.importorskip("cnn_lib.layers.pooling")


def correlate():
    return pytest.importorskip("cnn_lib.functional.correlate")


def padding():
    return pytest.importorskip("cnn_lib.functional.padding")


IMAGES = np.zeros((8, 1, 28, 28), dtype=np.float32)
ONE_IMAGE = np.zeros((1, 28, 28), dtype=np.float32)
W3 = np.zeros((4, 1, 3, 3))
NAN_IMAGES = np.full((2, 1, 5, 5), np.nan)


def _fit(x, y):
    model = Linear(2, 3, rng=0)
    return fit(
        model,
        x,
        y,
        loss=CrossEntropyLoss(),
        optimizer=SGD(model.parameters(), lr=0.1),
        progress=False,
    )


CASES = [
    # --- wrong number of dimensions; a single sample suggests x[None] ---------------------
    ("conv2d_3d", lambda: conv().conv2d(ONE_IMAGE, W3), r"x must be 4-D.*got 3-D.*x\[None\]"),
    (
        "Conv2d_3d",
        lambda: conv_layer().Conv2d(1, 4, 3)(ONE_IMAGE),
        r"x must be 4-D.*\(N, C, H, W\).*shape \(1, 28, 28\).*x\[None\]",
    ),
    ("max_pool2d_3d", lambda: pooling().max_pool2d(ONE_IMAGE, 2), r"4-D.*x\[None\]"),
    ("MaxPool2d_3d", lambda: pool_layer().MaxPool2d(2)(ONE_IMAGE), r"4-D.*x\[None\]"),
    ("AvgPool2d_3d", lambda: pool_layer().AvgPool2d(2)(ONE_IMAGE), r"4-D.*x\[None\]"),
    ("Linear_1d", lambda: Linear(4, 2)(np.zeros(4)), r"x must be 2-D.*got 1-D.*x\[None\]"),
    ("Flatten_1d", lambda: Flatten()(np.zeros(4)), r"at least 2 dimensions.*x\[None\]"),
    ("cross_entropy_1d", lambda: cross_entropy(np.zeros(3), [0]), r"logits must be 2-D.*\[None\]"),
    ("correlate2d_1d", lambda: correlate().correlate2d(np.zeros(5), np.zeros((2, 2))), r"2-D"),
    # --- channel and feature-size mismatch ---------------------------------------------
    (
        "Conv2d_channels",
        lambda: conv_layer().Conv2d(3, 4, 3)(IMAGES),
        r"^Conv2d expected input with 3 channels, got 1 \(shape \(8, 1, 28, 28\)\)",
    ),
    (
        "conv2d_channels",
        lambda: conv().conv2d(IMAGES, np.zeros((4, 3, 3, 3))),
        r"expected input with 3 channels, got 1 \(shape \(8, 1, 28, 28\)\)",
    ),
    (
        "Linear_features",
        lambda: Linear(784, 10)(np.zeros((8, 100))),
        r"Linear expected input with 784 features, got 100 \(shape \(8, 100\)\)",
    ),
    # --- kernel larger than the (padded) input ------------------------------------------
    (
        "conv2d_kernel_too_big",
        lambda: conv().conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 5, 5))),
        r"kernel_size=5.*4",
    ),
    (
        "Conv2d_kernel_too_big",
        lambda: conv_layer().Conv2d(1, 1, 7, padding=1)(np.zeros((1, 1, 4, 4))),
        r"kernel_size=7.*6",  # 4 + 2 * 1 padded
    ),
    (
        "max_pool2d_kernel_too_big",
        lambda: pooling().max_pool2d(np.zeros((1, 1, 3, 3)), 4),
        r"kernel_size=4.*3",
    ),
    (
        "correlate2d_valid_kernel_too_big",
        lambda: correlate().correlate2d(np.zeros((3, 3)), np.zeros((4, 4))),
        r"k of shape \(4, 4\).*x of shape \(3, 3\)",
    ),
    (
        "conv_output_size_below_1",
        lambda: padding().conv_output_size(3, kernel_size=5),
        r"kernel_size=5.*3",
    ),
    # --- non-positive kernel size or stride ---------------------------------------------
    ("Conv2d_kernel_0", lambda: conv_layer().Conv2d(1, 4, 0), r"kernel_size must be a positive.*0"),
    (
        "Conv2d_stride_0",
        lambda: conv_layer().Conv2d(1, 4, 3, stride=0),
        r"stride must be a positive.*got 0",
    ),
    (
        "conv2d_stride_negative",
        lambda: conv().conv2d(IMAGES, W3, stride=-1),
        r"stride must be a positive.*got -1",
    ),
    ("MaxPool2d_kernel_0", lambda: pool_layer().MaxPool2d(0), r"kernel_size must be a positive"),
    (
        "AvgPool2d_stride_0",
        lambda: pool_layer().AvgPool2d(2, stride=0),
        r"stride must be a positive.*got 0",
    ),
    (
        "max_pool2d_stride_0",
        lambda: pooling().max_pool2d(IMAGES, 2, stride=0),
        r"stride must be a positive.*got 0",
    ),
    (
        "conv_output_size_stride_0",
        lambda: padding().conv_output_size(10, 3, stride=0),
        r"stride must be a positive.*got 0",
    ),
    ("Linear_in_features_0", lambda: Linear(0, 3), r"in_features must be a positive.*got 0"),
    # --- unknown padding / mode / impl --------------------------------------------------
    (
        "conv2d_unknown_padding",
        lambda: conv().conv2d(IMAGES, W3, padding="circular"),
        r"padding must be .*'same'.*got 'circular'",
    ),
    (
        "Conv2d_unknown_padding",
        lambda: conv_layer().Conv2d(1, 4, 3, padding="wrap"),
        r"padding must be .*got 'wrap'",
    ),
    (
        "correlate2d_unknown_mode",
        lambda: correlate().correlate2d(np.zeros((3, 3)), np.zeros((2, 2)), mode="wide"),
        r"mode must be one of 'valid', 'same', 'full', got 'wide'",
    ),
    (
        "conv2d_unknown_impl",
        lambda: conv().conv2d(IMAGES, W3, impl="fast"),
        r"impl must be one of 'naive', 'im2col', got 'fast'",
    ),
    (
        "Conv2d_unknown_impl",
        lambda: conv_layer().Conv2d(1, 4, 3, impl="fft"),
        r"impl must be one of .*got 'fft'",
    ),
    # --- padding="same" with stride > 1 -------------------------------------------------
    (
        "conv2d_same_stride_2",
        lambda: conv().conv2d(IMAGES, W3, stride=2, padding="same"),
        r"padding='same' needs stride=1, got stride=2",
    ),
    (
        "Conv2d_same_stride_2",
        lambda: conv_layer().Conv2d(1, 4, 3, stride=2, padding="same"),
        r"padding='same' needs stride=1, got stride=2",
    ),
    # --- labels out of range or not integers -------------------------------------------
    (
        "cross_entropy_label_too_big",
        lambda: cross_entropy(np.zeros((2, 10)), [3, 10]),
        r"targets must lie in \[0, 9\] for 10 classes, got values from 3 to 10",
    ),
    (
        "CrossEntropyLoss_negative_label",
        lambda: CrossEntropyLoss()(np.zeros((2, 10)), [-1, 2]),
        r"targets must lie in \[0, 9\].*from -1 to 2",
    ),
    (
        "evaluate_label_too_big",
        lambda: evaluate(Linear(2, 3, rng=0), np.zeros((2, 2)), [0, 3]),
        r"targets must lie in \[0, 2\] for 3 classes",
    ),
    (
        "cross_entropy_float_labels",
        lambda: cross_entropy(np.zeros((2, 3)), np.array([0.0, 2.0])),
        r"targets must be integer class indices, got dtype float64.*astype\(int\)",
    ),
    (
        "fit_float_labels",
        lambda: _fit(np.zeros((4, 2)), np.array([0.0, 1.0, 2.0, 1.0])),
        r"integer class indices.*float64.*astype\(int\)",
    ),
    # --- NaN input ---------------------------------------------------------------------------
    ("conv2d_nan", lambda: conv().conv2d(NAN_IMAGES, W3), r"x contains NaN.*shape \(2, 1, 5, 5\)"),
    ("Conv2d_nan", lambda: conv_layer().Conv2d(1, 4, 3)(NAN_IMAGES), r"x contains NaN"),
    ("max_pool2d_nan", lambda: pooling().max_pool2d(NAN_IMAGES, 2), r"x contains NaN"),
    ("Linear_nan", lambda: Linear(2, 2)(np.array([[np.nan, 0.0]])), r"x contains NaN.*\(1, 2\)"),
    ("relu_nan", lambda: relu(np.array([np.nan])), r"x contains NaN"),
    ("softmax_nan", lambda: softmax(np.array([np.nan, 1.0])), r"z contains NaN"),
    ("fit_nan", lambda: _fit(np.full((4, 2), np.nan), [0, 1, 2, 1]), r"x contains NaN"),
]


@pytest.mark.parametrize(("call", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("where", ["first", "middle", "last", "strided view", "with infinities"])
def test_a_single_nan_anywhere_is_found(where):
    x = np.random.default_rng(0).normal(size=(3, 2, 7, 7)).astype(np.float32)
    if where == "with infinities":  # -inf is the minimum, but NaN must still win
        x[0, 0, 0, :2] = [-np.inf, np.inf]
    position = {"first": (0, 0, 0, 0), "last": (2, 1, 6, 6)}.get(where, (1, 1, 3, 4))
    x[position] = np.nan
    if where == "strided view":
        x = x[:, :, 1::2, ::2]
    with pytest.raises(ValueError, match="x contains NaN"):
        as_float_array(x, "x")
    x[np.isnan(x)] = 0.0
    assert as_float_array(x, "x") is x  # clean float input passes through, no copy
