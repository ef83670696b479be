"""Measuring a model: ``evaluate`` (loss and accuracy) and ``predict`` (labels).

Both run the model batch by batch in eval mode (dropout off) and then restore
the train/eval mode every sub-module had before, using ``eval_mode``.

Taught in chapter 13, Training end to end (book/13_training_end_to_end.ipynb);
the choice of ``batch_size`` (cache blocking) in chapter 15, Making it fast
(book/15_making_it_fast.ipynb).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from cnn_lib._validation import as_float_array, check_positive_int
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss


def _modules(module):
    """The module and all its descendants."""
    yield module
    for _, child in module.named_children():
        yield from _modules(child)


@contextmanager
def eval_mode(model):
    """Run a block with ``model`` in eval mode, then restore every sub-module's mode.

    Examples
    --------
    >>> from cnn_lib.layers.dropout import Dropout
    >>> drop = Dropout()
    >>> with eval_mode(drop):
    ...     drop.training
    False
    >>> drop.training
    True
    """
    previous = [(m, m.training) for m in _modules(model)]
    model.eval()
    try:
        yield model
    finally:
        for m, mode in previous:
            m.training = mode


def _check_inputs(x, name="x"):
    try:
        x = np.asarray(x)
    except ValueError as err:  # numpy cannot stack samples of different shapes
        raise ValueError(
            f"{name} must be a rectangular array of samples, but its samples have "
            f"different shapes (a ragged list?); make every sample the same shape "
            f"before passing it in ({err})"
        ) from None
    x = as_float_array(x, name)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {x.shape}")
    return x


def _check_data(x, y, x_name="x", y_name="y"):
    x = _check_inputs(x, x_name)
    y = np.asarray(y)
    if y.ndim < 1 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples, "
            f"got {x.shape[0]} and {y.shape[0] if y.ndim else 'a scalar'}"
        )
    return x, y


def _correct(outputs, targets, loss) -> float:
    """How many predictions in the batch are right (NaN if accuracy has no meaning)."""
    if targets.ndim == 1 and targets.dtype.kind in "iu" and outputs.ndim == 2:
        return float((outputs.argmax(axis=1) == targets).sum())
    if isinstance(loss, BCEWithLogitsLoss):  # binary: logit > 0 means class 1
        hits = (outputs > 0) == (targets > 0.5)
        return float(hits.mean() * len(targets))
    return math.nan


#: Default ``batch_size`` of ``evaluate``, ``evaluate_loss`` and ``predict``:
#: the fastest size measured for inference (see ``evaluate``'s Notes).
EVAL_BATCH_SIZE = 256


def _batches(n: int, batch_size: int):
    """Slices ``[0:b], [b:2b], ...`` covering ``n`` samples."""
    return (slice(start, start + batch_size) for start in range(0, n, batch_size))


def evaluate_loss(model, x, y, loss, batch_size=EVAL_BATCH_SIZE):
    """Mean ``loss`` and accuracy over ``(x, y)`` in eval mode, batch by batch.

    ``evaluate`` is this with a ``CrossEntropyLoss``; ``fit`` uses it with its
    own loss for the validation data. Accuracy is NaN when it has no meaning
    (e.g. a regression target with ``MSELoss``). ``batch_size`` as in
    ``evaluate``; the mean loss assumes the loss averages over the batch.

    Shapes
    ------
    ``x: (N, ...)``, ``y: (N,)`` or the shape ``loss`` expects -> ``(float, float)``

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> from cnn_lib.losses import MSELoss
    >>> x, y = np.zeros((3, 2)), np.zeros((3, 1))
    >>> loss, acc = evaluate_loss(Linear(2, 1, rng=0), x, y, MSELoss())
    >>> bool(np.isnan(acc))
    True
    """
    x, y = _check_data(x, y)
    batch_size = check_positive_int(batch_size, "batch_size")
    total_loss = total_correct = 0.0
    with eval_mode(model):
        for batch in _batches(x.shape[0], batch_size):
            xb, yb = x[batch], y[batch]
            outputs = model(xb)
            total_loss += loss(outputs, yb) * len(yb)
            total_correct += _correct(outputs, yb, loss)
    return total_loss / x.shape[0], total_correct / x.shape[0]


def evaluate(model, x, y, batch_size=EVAL_BATCH_SIZE):
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)``, in eval mode.

    The model's previous train/eval mode is restored afterwards.

    Parameters
    ----------
    model : Module
    x, y : array_like
        Inputs and integer class labels.
    batch_size : int, default 256
        Samples per forward pass. The result does not depend on it when every
        layer treats samples independently (all of ``cnn_lib``'s do, in eval
        mode); only speed and memory do (see Notes).

    Notes
    -----
    *Batch size and speed.* Two effects pull against each other. Every layer
    makes a few NumPy calls per batch, each with a fixed cost, so bigger
    batches pay that cost fewer times per image. But once a batch's arrays
    outgrow the CPU's caches, every layer streams them through main memory: for
    1,024 MNIST images the first convolution of the benchmark network outputs
    24.5 MiB. (Its im2col matrix stays small: in eval mode the fast convolution
    unfolds the batch in chunks of 2 MB.) Running the data in batches that stay
    in cache is called *cache blocking*. Inference images/s of ``predict`` on
    2,048 Fashion-MNIST images with the network of ``python -m
    cnn_lib.benchmark``, by batch size (median of 5 calls after a warm-up;
    median of 3 rounds, then of 3 runs; BLAS on one thread; a 2-core machine
    with 1 MiB of L2 cache per core and 36 MiB of shared L3, load average
    0.5-1.4):

    ===========  ====  ====  ====  =====  =====  =====  =====  =====  =====
    batch size      8    16    32     64    128    256    512   1024   2048
    one thread   6.1k  8.6k  8.5k  10.9k  12.8k  12.6k  12.4k  12.2k  11.8k
    two threads  3.9k  4.9k  7.0k  10.3k  13.5k  15.1k  16.0k  16.2k  15.3k
    ===========  ====  ====  ====  =====  =====  =====  =====  =====  =====

    (two threads: :func:`cnn_lib.threads.set_num_threads`.) From 128 images
    on, one thread's rates differ by a few percent, about the noise of this
    machine; two threads gain up to 512 images, as each thread gets half of
    every batch. 256 is within 2% of the fastest size on one thread (the
    library's default) and within 7% on two, with a quarter of the memory of
    1,024; hence the default. The best size depends on the CPU's caches:
    chapter 15 measures it on yours.

    Shapes
    ------
    ``x: (N, ...)``, ``y: (N,)`` int -> ``(float, float)``

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> loss, acc = evaluate(Linear(2, 3, rng=0), np.zeros((4, 2)), np.array([0, 1, 2, 0]))
    >>> 0 <= acc <= 1
    True
    """
    return evaluate_loss(model, x, y, CrossEntropyLoss(), batch_size)


def predict(model, x, batch_size=EVAL_BATCH_SIZE):
    """Predicted class index of each sample (argmax of the outputs), in eval mode.

    The model's previous train/eval mode is restored afterwards.
    ``batch_size`` (default 256) as in ``evaluate``.

    Shapes
    ------
    ``x: (N, ...) -> (N,)`` int64

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> predict(Linear(2, 3, rng=0), np.zeros((4, 2))).shape
    (4,)
    """
    x = _check_inputs(x)
    batch_size = check_positive_int(batch_size, "batch_size")
    labels = []
    with eval_mode(model):
        for batch in _batches(x.shape[0], batch_size):
            outputs = np.asarray(model(x[batch]))
            if outputs.ndim != 2:
                raise ValueError(
                    f"predict expects model outputs of shape (N, num_classes), got {outputs.shape}"
                )
            labels.append(outputs.argmax(axis=1))
    return np.concatenate(labels).astype(np.int64)
