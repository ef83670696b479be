"""Real data: train on full Fashion-MNIST with ``fit``, against PyTorch on the CPU.

``python -m cnn_lib.benchmark --real`` trains the network below for 3 epochs
on the 60,000 training images and measures test accuracy on the 10,000 test
images, with ``cnn_lib.fit`` and with PyTorch when it is installed, both on
2 threads (``cnn_lib.set_num_threads(2)``, which splits each batch of the
convolutions, max pooling and ReLU in two, and ``torch.set_num_threads(2)``),
and reports the time and accuracy of both::

    Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1)
    - ReLU - MaxPool2d(2) - Flatten - Linear(1568, 128) - ReLU - Linear(128, 10)

SGD with learning rate 0.05 and momentum 0.9, batch 64, shuffled each epoch,
float32. Each library uses its own default initialisation and its own
shuffling, both seeded. The libraries take turns epoch by epoch (cnn_lib's
first epoch, PyTorch's first, cnn_lib's second, ...), so that a slow spell of
a shared machine slows both, not just the one that happened to run then;
each library's time is the sum of its epochs. NumPy's BLAS runs on one
thread throughout (each of cnn_lib's threads calls it, and it stays quiet
during PyTorch's run: see ``_numpy_blas_on_one_thread``). The first
convolution of both skips the gradient with respect to the images (nobody
reads it; PyTorch skips it because the images do not require a gradient).
The data come from Debian's ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist``) through ``load_fashion_mnist``;
nothing is downloaded unless it is missing.

Taught in chapter 15, Making it fast (book/15_making_it_fast.ipynb).
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from cnn_lib.benchmark_report import environment
from cnn_lib.datasets import load_fashion_mnist
from cnn_lib.evaluation import predict
from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.pooling import MaxPool2d
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.threads import blas_on_one_thread, using_threads
from cnn_lib.training import fit

LR, MOMENTUM, BATCH_SIZE, EPOCHS, THREADS = 0.05, 0.9, 64, 3, 2


def _import_torch():
    """PyTorch if it is installed, else None."""
    try:
        import torch
    except ImportError:
        torch = None
    return torch


def _numpy_blas_on_one_thread():
    """A context in which NumPy's BLAS runs on one thread; PyTorch does not use it.

    Measured idle on 2 cores: cnn_lib's 3 epochs took 93 s with NumPy's BLAS
    on one thread and 111 s on two (its matrices are small; the second thread
    mostly waits), and PyTorch's took 45 s in a fresh process but 82 s right
    after a cnn_lib run with two BLAS threads, which keep competing for the cores.
    """
    return blas_on_one_thread() or contextlib.nullcontext()


def real_model(rng=0):
    """The real-data network in ``cnn_lib``, weights drawn from ``rng``.

    Examples
    --------
    >>> real_model()(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape
    (2, 10)
    """
    rng = np.random.default_rng(rng)
    return Sequential(
        # The images need no gradient (as in PyTorch): skip it in the first layer.
        Conv2d(1, 16, 3, padding=1, needs_input_grad=False, rng=rng),
        ReLU(),
        MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, rng=rng),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(32 * 7 * 7, 128, rng=rng),
        ReLU(),
        Linear(128, 10, rng=rng),
    )


def _cnn_lib_run(data, seed):
    """cnn_lib's side: ``(train_epoch, accuracy)``; ``train_epoch()`` returns its seconds."""
    (x, y), (x_test, y_test) = data
    model = real_model(seed)
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    shuffling = np.random.default_rng(seed)  # one generator: a new order every epoch

    def train_epoch():
        with using_threads(THREADS):
            start = time.perf_counter()
            fit(model, x, y, loss=CrossEntropyLoss(), optimizer=optimizer, epochs=1,
                batch_size=BATCH_SIZE, rng=shuffling, progress=False)  # fmt: skip
            return time.perf_counter() - start

    def accuracy():
        with using_threads(THREADS):
            return float(np.mean(predict(model, x_test) == y_test))

    return train_epoch, accuracy


def _torch_run(torch, data, seed):
    """PyTorch's side, the same five-line step: ``(train_epoch, accuracy)``."""
    (x, y), (x_test, y_test) = (tuple(map(torch.from_numpy, pair)) for pair in data)
    torch.manual_seed(seed)
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss = nn.CrossEntropyLoss()

    def train_epoch():
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for i in range(0, len(x), BATCH_SIZE):
            idx = order[i : i + BATCH_SIZE]
            optimizer.zero_grad()
            loss(net(x[idx]), y[idx]).backward()
            optimizer.step()
        return time.perf_counter() - start

    def accuracy():
        with torch.no_grad():
            labels = [net(x_test[i : i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)]
        return float((torch.cat(labels) == y_test).float().mean())

    return train_epoch, accuracy


@contextlib.contextmanager
def _torch_threads(torch):
    """PyTorch on ``THREADS`` threads inside the block (nothing without PyTorch)."""
    if torch is None:
        yield
        return
    old_threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)


def _take_turns(runs, epochs):
    """Train every library ``epochs`` times, one epoch each in turn; their results."""
    epoch_seconds = {name: [] for name in runs}
    for _ in range(epochs):
        for name, (train_epoch, _) in runs.items():
            epoch_seconds[name].append(train_epoch())
    return {
        name: {"seconds": sum(epoch_seconds[name]), "epoch_seconds": epoch_seconds[name],
               "test_accuracy": accuracy()}
        for name, (_, accuracy) in runs.items()
    }  # fmt: skip


def run_real_benchmark(epochs=EPOCHS, train_size=None, test_size=None, use_torch=True, seed=0):
    """Train the real-data network with ``cnn_lib`` and PyTorch; time and accuracy.

    Parameters
    ----------
    epochs : int, default 3
    train_size, test_size : int, optional
        Use only the first images of each split (all by default: 60,000 and
        10,000); for a quick check.
    use_torch : bool, default True
        Include PyTorch when it can be imported.
    seed : int, default 0
        Seeds the weights and the shuffling of both libraries.

    Returns
    -------
    dict
        ``"results"``: per library ``{"seconds", "epoch_seconds",
        "test_accuracy"}``;
        ``"time_ratio"`` (cnn_lib / torch), ``"accuracy_gap"`` (torch minus
        cnn_lib, in points); ``"config"``, ``"environment"``.
    """
    env = environment()
    (x, y), (x_test, y_test) = load_fashion_mnist(progress=False)
    data = ((x[:train_size], y[:train_size]), (x_test[:test_size], y_test[:test_size]))
    torch = _import_torch() if use_torch else None
    runs = {"cnn_lib": _cnn_lib_run(data, seed)}
    if torch is not None:
        runs["torch"] = _torch_run(torch, data, seed)
    with _numpy_blas_on_one_thread(), _torch_threads(torch):  # for both libraries
        results = _take_turns(runs, epochs)
    report = {"results": results}
    if torch is not None:
        env["torch"], env["torch_threads"] = torch.__version__, THREADS
        ours, theirs = results["cnn_lib"], results["torch"]
        report["time_ratio"] = ours["seconds"] / theirs["seconds"]
        pairs = zip(ours["epoch_seconds"], theirs["epoch_seconds"], strict=True)
        report["epoch_ratios"] = [a / b for a, b in pairs]
        report["accuracy_gap"] = 100 * (theirs["test_accuracy"] - ours["test_accuracy"])
    report["config"] = {
        "epochs": epochs,
        "train_images": len(data[0][0]),
        "test_images": len(data[1][0]),
        "optimizer": f"SGD(lr={LR}, momentum={MOMENTUM})",
        "batch_size": BATCH_SIZE,
        "seed": seed,
    }
    report["environment"] = env
    return report
