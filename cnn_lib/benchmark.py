"""How fast does cnn_lib train? Naive loops, im2col and (if installed) PyTorch.

Run ``python -m cnn_lib.benchmark`` (or ``make bench``); ``--quick`` is a smoke
run of a few seconds, ``--json PATH`` also writes every number and the
environment, ``--real`` trains on full Fashion-MNIST instead (see
``cnn_lib.benchmark_real``). Taught in chapter 15, Making it fast. The network::

    Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(8, 16, 3, padding=1)
    - ReLU - MaxPool2d(2) - Flatten - Linear(784, 128) - ReLU - Linear(128, 10)

float32, cross-entropy, SGD with momentum 0.9, training batch 64, inference
batch 500, 28x28 images from the embedded Fashion-MNIST sample. PyTorch gets the
same initial weights, data and hyper-parameters, and two threads (``set_num_threads(2)``
in both). Each library runs in blocks (a warm-up pass, then short rounds) that take
turns with the other's, so that a slow spell of a shared machine meets both; the
fastest round counts. Single rounds must not alternate: each library's idle
threads spin and slow the other. The naive loops, ~1000x slower, are timed on
one mini-batch. The table warns when the load average says the machine was busy.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from cnn_lib._validation import check_positive_int
from cnn_lib.benchmark_real import _import_torch, _torch_threads, run_real_benchmark
from cnn_lib.benchmark_report import describe_layer, environment, format_table, ratios
from cnn_lib.benchmark_report import format_real_table as real_table
from cnn_lib.datasets import load_sample
from cnn_lib.evaluation import EVAL_BATCH_SIZE, predict
from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.pooling import MaxPool2d
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.profiling import (
    LR,
    MOMENTUM,
    best_seconds,
    epoch_peak_memory,
    inference_throughput,
    max_rss_mb,
    profile_training_step,
    train_step,
    training_throughput,
)
from cnn_lib.threads import using_threads

__all__ = ["ARCHITECTURE", "best_seconds", "build_model", "epoch_peak_memory", "format_table"]
__all__ += ["inference_throughput", "profile_training_step", "run_benchmark", "torch_model"]
__all__ += ["training_throughput"]

#: (layer name, positional args, keyword args), shared by the NumPy and torch builds.
ARCHITECTURE = (
    ("Conv2d", (1, 8, 3), {"padding": 1}),
    ("ReLU", (), {}),
    ("MaxPool2d", (2,), {}),
    ("Conv2d", (8, 16, 3), {"padding": 1}),
    ("ReLU", (), {}),
    ("MaxPool2d", (2,), {}),
    ("Flatten", (), {}),
    ("Linear", (784, 128), {}),
    ("ReLU", (), {}),
    ("Linear", (128, 10), {}),
)
_LAYERS = {cls.__name__: cls for cls in (Conv2d, ReLU, MaxPool2d, Flatten, Linear)}
BATCH_SIZE, INFERENCE_BATCH_SIZE, THREADS, BLOCKS = 64, 500, 2, 5


def build_model(impl="im2col", rng=0):
    """The benchmark network with ``Conv2d(..., impl=impl)``; weights from ``rng``.

    The first convolution skips its input gradient (``needs_input_grad=False``), as
    PyTorch does for an input that needs none.

    Examples
    --------
    >>> build_model()(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape
    (2, 10)
    """
    rng = np.random.default_rng(rng)
    layers = []
    for index, (name, args, kwargs) in enumerate(ARCHITECTURE):
        extra = {"impl": impl, "rng": rng} if name == "Conv2d" else {}
        extra = {"rng": rng} if name == "Linear" else extra
        if index == 0:
            extra["needs_input_grad"] = False  # nobody needs d(loss)/d(images)
        layers.append(_LAYERS[name](*args, **kwargs, **extra))
    return Sequential(*layers)


def torch_model(model, torch):
    """The same network in PyTorch, with ``model``'s weights copied in."""
    net = torch.nn.Sequential(*(getattr(torch.nn, n)(*a, **k) for n, a, k in ARCHITECTURE))
    # Both libraries name parameters "0.weight", "0.bias", "3.weight", ...
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    return net


def _numpy_passes(impl, x, y, x_infer, batch):
    """``(train_pass, inference_pass)`` closures for one cnn_lib implementation."""
    model, loss = build_model(impl), CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def train():
        for i in range(0, len(x), batch):
            train_step(model, loss, optimizer, x[i : i + batch], y[i : i + batch])

    def infer():  # predict runs the 500 images in cache-sized batches
        for i in range(0, len(x_infer), INFERENCE_BATCH_SIZE):
            predict(model, x_infer[i : i + INFERENCE_BATCH_SIZE])

    return train, infer


def _torch_passes(torch, x, y, x_infer):
    net = torch_model(build_model(), torch)
    x, y, x_infer = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(x_infer)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss = torch.nn.CrossEntropyLoss()

    def train():
        for i in range(0, len(x), BATCH_SIZE):
            optimizer.zero_grad()
            loss(net(x[i : i + BATCH_SIZE]), y[i : i + BATCH_SIZE]).backward()
            optimizer.step()

    def infer():
        net.eval()
        with torch.no_grad():
            for i in range(0, len(x_infer), INFERENCE_BATCH_SIZE):
                net(x_infer[i : i + INFERENCE_BATCH_SIZE])
        net.train()

    return train, infer


def run_benchmark(quick=False, repeats=None, use_torch=True):
    """Time training and inference; return every number as a dict (see ``--json``).

    Parameters
    ----------
    quick : bool, default False
        A smoke run: a few batches and a tiny naive batch, seconds in all.
    repeats : int, optional
        Rounds per block (5 blocks, 1 when ``quick``); default 6, 2 when ``quick``.
        Rounds are short (10 training, 2 inference batches): some run undisturbed.
    use_torch : bool, default True
        Include PyTorch when it can be imported.

    Returns
    -------
    dict
        ``"results"`` (images/s per implementation), ``"ratios"``, ``"memory"``,
        ``"config"`` and ``"environment"``.
    """
    repeats = check_positive_int(repeats or (2 if quick else 6), "repeats")
    env = environment()  # first: the load average before this run adds its own
    (x_all, y_all), _ = load_sample()
    n_train, n_infer, n_naive = (128, 500, 4) if quick else (640, 1000, BATCH_SIZE)
    x, y, x_infer = x_all[:n_train], y_all[:n_train], x_all[:n_infer]
    # Memory and profile first, before torch is imported (max_rss: cnn_lib alone) and runs.
    n_epoch = 256 if quick else len(x_all)
    peak = epoch_peak_memory(build_model(), x_all[:n_epoch], y_all[:n_epoch])
    memory = {"epoch_peak_mb": peak, "max_rss_mb": max_rss_mb(), "images": n_epoch}
    profile = profile_training_step(build_model(), x[:BATCH_SIZE], y[:BATCH_SIZE], repeats=repeats)
    torch = _import_torch() if use_torch else None  # None when not installed
    passes = {"im2col": _numpy_passes("im2col", x, y, x_infer, BATCH_SIZE)}
    checks = {}
    with _torch_threads(torch):  # PyTorch on THREADS threads, its setting back after
        if torch is not None:
            env["torch"], env["torch_threads"] = torch.__version__, torch.get_num_threads()
            passes["torch"] = _torch_passes(torch, x, y, x_infer)
            # Same weights, same function: the untrained networks must agree.
            with torch.no_grad():
                theirs = torch_model(build_model(), torch)(torch.from_numpy(x[:BATCH_SIZE]))
            ours = build_model()(x[:BATCH_SIZE])
            checks["torch_logits_max_abs_diff"] = float(np.abs(ours - theirs.numpy()).max())
        results, env["cnn_lib_threads"] = {}, THREADS
        blocks = 1 if quick else BLOCKS
        with using_threads(THREADS):  # cnn_lib on as many threads as PyTorch
            for _ in range(blocks):  # the libraries take turns, block by block
                for name, (train, infer) in passes.items():
                    train(), infer()  # warm-up: caches, thread pools, the other's threads idle
                    rates = {"train_images_per_s": n_train / best_seconds(train, repeats)}
                    rates["inference_images_per_s"] = n_infer / best_seconds(infer, repeats)
                    old = results.get(name, rates)  # the best over the blocks counts
                    results[name] = {key: max(rate, old[key]) for key, rate in rates.items()}
    naive_x, naive_y = x_all[:n_naive], y_all[:n_naive]
    train, infer = _numpy_passes("naive", naive_x, naive_y, naive_x, n_naive)
    results["naive"] = {
        "train_images_per_s": n_naive / best_seconds(train, min(repeats, 2)),
        "inference_images_per_s": n_naive / best_seconds(infer, 1),
    }
    return {
        "config": {
            "architecture": " - ".join(describe_layer(*layer) for layer in ARCHITECTURE),
            "dtype": "float32",
            "optimizer": f"SGD(lr={LR}, momentum={MOMENTUM})",
            "batch_size": BATCH_SIZE,
            "inference_batch_size": INFERENCE_BATCH_SIZE,
            "inference_slice": EVAL_BATCH_SIZE,  # predict's batches
            "train_images": n_train,
            "inference_images": n_infer,
            "naive_images": n_naive,
            "repeats": repeats,
            "blocks": blocks,
            "quick": quick,
        },
        "results": {k: results[k] for k in ("naive", "im2col", "torch") if k in results},
        "ratios": ratios(results),
        "memory": memory,
        "profile_ms": profile,
        "checks": checks,
        "environment": env,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnn_lib.benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: a few batches, seconds")
    parser.add_argument("--json", metavar="PATH", help="also write all results to PATH")
    parser.add_argument("--repeats", type=int, help="rounds per implementation (best kept)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--real", action="store_true", help="3 epochs on full Fashion-MNIST")
    args = parser.parse_args(argv)
    if args.real:  # --quick: 1 epoch on 1024 images, a smoke run
        sizes = {"epochs": 1, "train_size": 1024, "test_size": 512} if args.quick else {}
        report = run_real_benchmark(**sizes, use_torch=not args.no_torch)
    else:
        report = run_benchmark(quick=args.quick, repeats=args.repeats, use_torch=not args.no_torch)
    print((real_table if args.real else format_table)(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, default=str)
    return report


if __name__ == "__main__":
    main()
