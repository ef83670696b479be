"""Where does a training step spend its time? Time each layer's forward and backward.

:func:`profile_training_step` runs real training steps (forward, loss,
backward, optimizer update) on a ``Sequential`` model and times every piece
separately with ``time.perf_counter``, so the book can draw where the
milliseconds go. :func:`training_throughput` and
:func:`inference_throughput` time whole passes instead, in images per second,
and :func:`epoch_peak_memory` measures the memory a training epoch needs.
:func:`limit_blas_threads` pins the matrix-multiply library to a number of
threads, so that timings on a busy machine are not dominated by threads
waiting for each other.

Taught in chapter 15, Making it fast (book/15_making_it_fast.ipynb).
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from cnn_lib._validation import check_positive_int
from cnn_lib.benchmark_report import limit_blas_threads, max_rss_mb  # noqa: F401 (re-exported)
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.training import eval_mode

#: Hyper-parameters of the benchmark network's optimizer (the Performance issue's).
LR, MOMENTUM = 0.01, 0.9


def _add(times: dict, key: str, start: float) -> float:
    """Add the seconds since ``start`` to ``times[key]``; return the current time."""
    now = time.perf_counter()
    times[key] = times.get(key, 0.0) + now - start
    return now


def _timed_step(model, x, y, loss, optimizer) -> dict[str, float]:
    """One training step; seconds per operation, layers of one type summed."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    optimizer.zero_grad()
    t = _add(times, "optimizer", t)
    out = x
    for layer in model:
        out = layer(out)
        t = _add(times, f"{type(layer).__name__} forward", t)
    loss(out, y)
    grad = loss.backward()
    t = _add(times, "loss", t)
    for layer in reversed(model.layers):
        grad = layer.backward(grad)
        t = _add(times, f"{type(layer).__name__} backward", t)
    optimizer.step()
    _add(times, "optimizer", t)
    return times


def profile_training_step(
    model, x, y, *, loss=None, optimizer=None, repeats=5, warmup=1, statistic="min"
):
    """Milliseconds spent in each operation of one training step, by layer type.

    Parameters
    ----------
    model : Sequential
        The network; its layers are timed one by one.
    x, y : ndarray
        One mini-batch of inputs and integer class labels.
    loss : Loss, optional
        Defaults to ``CrossEntropyLoss()``.
    optimizer : Optimizer, optional
        Defaults to ``SGD(model.parameters(), lr=0.01, momentum=0.9)``. The
        steps really update the weights: profile a copy if that matters.
    repeats : int, default 5
        Timed steps; each entry is its fastest time over them (the runs that
        met the least interference from the rest of the machine).
    warmup : int, default 1
        Untimed steps first (buffers and BLAS threads get ready).
    statistic : {"min", "median"}, default "min"
        How the repeats are summarised per entry: the fastest step, or the
        median step (more robust when other programs share the CPU).

    Returns
    -------
    dict of str -> float
        Milliseconds per step, e.g. ``"Conv2d forward"``, ``"Conv2d backward"``
        (all layers of a type summed), ``"loss"`` (its forward and backward) and
        ``"optimizer"`` (``zero_grad`` and ``step``), in the order they run.

    Shapes
    ------
    ``x: (N, ...)`` as ``model`` expects, ``y: (N,)``.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> x, y = np.ones((4, 3), dtype=np.float32), np.array([0, 1, 0, 1])
    >>> list(profile_training_step(Sequential(Linear(3, 2, rng=0)), x, y, repeats=2))
    ['optimizer', 'Linear forward', 'loss', 'Linear backward']
    """
    if not isinstance(model, Sequential):
        raise ValueError(
            f"profile_training_step needs a Sequential model (it times each layer), "
            f"got {type(model).__name__}"
        )
    repeats = check_positive_int(repeats, "repeats")
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    loss = CrossEntropyLoss() if loss is None else loss
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    for _ in range(warmup):
        _timed_step(model, x, y, loss, optimizer)
    if statistic not in ("min", "median"):
        raise ValueError(f"statistic must be 'min' or 'median', got {statistic!r}")
    steps = [_timed_step(model, x, y, loss, optimizer) for _ in range(repeats)]
    summary = min if statistic == "min" else np.median
    return {key: 1000.0 * float(summary([s[key] for s in steps])) for key in steps[0]}


def train_step(model, loss, optimizer, x, y) -> None:
    """One training step: zero_grad, forward and loss, backward, step (as in ``fit``)."""
    optimizer.zero_grad()
    loss(model(x), y)
    model.backward(loss.backward())
    optimizer.step()


def best_seconds(one_pass, repeats=3) -> float:
    """Run ``one_pass()`` ``repeats`` times; the fastest run met the least noise."""
    best = np.inf
    for _ in range(check_positive_int(repeats, "repeats")):
        start = time.perf_counter()
        one_pass()
        best = min(best, time.perf_counter() - start)
    return best


def training_throughput(model, x, y, *, batch_size=64, repeats=3, optimizer=None):
    """Training images per second: the best of ``repeats`` passes over ``(x, y)``.

    Parameters
    ----------
    model : Module
    x, y : ndarray
        Images and integer labels of one pass, split into mini-batches.
    batch_size : int, default 64
    repeats : int, default 3
    optimizer : Optimizer, optional
        Defaults to ``SGD(model.parameters(), lr=0.01, momentum=0.9)``; the
        loss is ``CrossEntropyLoss``. The weights really train.

    Returns
    -------
    float

    Shapes
    ------
    ``x: (N, ...)`` as ``model`` expects, ``y: (N,)``.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> x, y = np.ones((8, 3), dtype=np.float32), np.zeros(8, dtype=int)
    >>> training_throughput(Linear(3, 2, rng=0), x, y, batch_size=4) > 0
    True
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    loss = CrossEntropyLoss()
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def one_pass():
        for i in range(0, len(x), batch_size):
            train_step(model, loss, optimizer, x[i : i + batch_size], y[i : i + batch_size])

    model.train()
    return len(x) / best_seconds(one_pass, repeats)


def inference_throughput(model, x, *, batch_size=500, repeats=3):
    """Forward-pass images per second in eval mode: the best of ``repeats`` passes.

    Parameters and shapes as in :func:`training_throughput`, without labels.
    The model's train/eval mode is restored afterwards.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> inference_throughput(Linear(3, 2, rng=0), np.ones((8, 3)), batch_size=4) > 0
    True
    """
    batch_size = check_positive_int(batch_size, "batch_size")

    def one_pass():
        for i in range(0, len(x), batch_size):
            model(x[i : i + batch_size])

    with eval_mode(model):
        return len(x) / best_seconds(one_pass, repeats)


def median_seconds(one_pass, repeats=5) -> float:
    """Run ``one_pass()`` ``repeats`` times; the median time, robust to a busy machine."""
    times = [best_seconds(one_pass, 1) for _ in range(check_positive_int(repeats, "repeats"))]
    return float(np.median(times))


def epoch_peak_memory(model, x, y, *, batch_size=64, optimizer=None) -> float:
    """Most memory (MB) held at once while training one epoch over ``(x, y)``.

    Measured with ``tracemalloc``, which sees every NumPy array and Python
    object allocated *during* the epoch: the data set and the model, which
    exist before, are not counted. The weights really train.

    Parameters and shapes as in :func:`training_throughput`.

    Examples
    --------
    >>> from cnn_lib.layers.linear import Linear
    >>> x, y = np.ones((8, 3), dtype=np.float32), np.zeros(8, dtype=int)
    >>> epoch_peak_memory(Linear(3, 2, rng=0), x, y, batch_size=4) < 1
    True
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    loss = CrossEntropyLoss()
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        for i in range(0, len(x), batch_size):
            train_step(model, loss, optimizer, x[i : i + batch_size], y[i : i + batch_size])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return (peak - base) / 2**20
