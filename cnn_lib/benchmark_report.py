"""What the benchmark prints and saves: the targets, the environment, the table.

The numbers come from :func:`cnn_lib.benchmark.run_benchmark`; this module
only describes them (and the machine they were measured on).

Taught with the benchmark in chapter 15, Making it fast
(book/15_making_it_fast.ipynb).
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform
import sys
import textwrap

import numpy as np

from cnn_lib._validation import check_positive_int

#: Targets of the Performance issue: key -> (comparison, bound, label).
TARGETS = {
    "im2col_vs_naive_train": (">=", 300, "im2col / naive, training"),
    "im2col_vs_torch_train": (">=", 0.55, "im2col / torch, training"),  # issue #14
    "im2col_vs_torch_inference": (">=", 0.8, "im2col / torch, inference"),
    "epoch_peak_mb": ("<", 300, "training epoch peak, MB"),
}
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def environment(torch=None) -> dict:
    """Versions, BLAS and thread settings that the numbers depend on.

    Examples
    --------
    >>> environment()["numpy"] == np.__version__
    True
    """
    config = np.show_config(mode="dicts") or {}
    blas = config.get("Build Dependencies", {}).get("blas", {})
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        # Other processes' load skews timings, multi-threaded BLAS above all.
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "numpy": np.__version__,
        "blas": {k: blas.get(k) for k in ("name", "version", "openblas configuration")},
        "thread_env": {k: os.environ.get(k) for k in _THREAD_VARIABLES},
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
    }
    try:  # threadpoolctl (optional, not a dependency) knows the BLAS thread count
        from threadpoolctl import threadpool_info
    except ImportError:
        env["threadpools"] = None
    else:
        env["threadpools"] = threadpool_info()
    return env


def describe_layer(name, args, kwargs) -> str:
    """``("Conv2d", (1, 8, 3), {"padding": 1})`` -> ``"Conv2d(1, 8, 3, padding=1)"``.

    Examples
    --------
    >>> describe_layer("MaxPool2d", (2,), {})
    'MaxPool2d(2)'
    """
    return f"{name}({', '.join([*map(str, args), *(f'{k}={v}' for k, v in kwargs.items())])})"


def ratios(results: dict) -> dict:
    """Speed ratios of im2col against naive and (when measured) torch.

    Examples
    --------
    >>> r = {"naive": {"train_images_per_s": 2.0}, "im2col": {"train_images_per_s": 800.0}}
    >>> ratios(r)
    {'im2col_vs_naive_train': 400.0}
    """
    fast = results["im2col"]
    out = {
        "im2col_vs_naive_train": fast["train_images_per_s"] / results["naive"]["train_images_per_s"]
    }
    if "torch" in results:
        for kind in ("train", "inference"):
            key = f"{kind}_images_per_s"
            out[f"im2col_vs_torch_{kind}"] = fast[key] / results["torch"][key]
    return out


def verdict(key: str, value: float) -> str:
    """``"target >= 0.55: met"`` or ``"... MISSED"`` for a key of :data:`TARGETS`.

    Examples
    --------
    >>> verdict("epoch_peak_mb", 12.0)
    'target < 300: met'
    """
    op, bound, _ = TARGETS[key]
    ok = value >= bound if op == ">=" else value < bound
    return f"target {op} {bound:g}: {'met' if ok else 'MISSED'}"


def _slices(config) -> str:
    """How ``predict`` splits an inference batch (cache blocking), for the header."""
    size = config.get("inference_slice")
    if size and size < config["inference_batch_size"]:
        return f" (cnn_lib: predict in batches of {size})"
    return ""


def _blocks(config: dict) -> str:
    """How many turns each library's rounds took, for the header (reports before: one)."""
    blocks = config.get("blocks", 1)
    return f" in each of {blocks} blocks, the libraries taking turns" if blocks > 1 else ""


def format_table(report: dict) -> str:
    """The dict returned by ``run_benchmark`` as a plain-text table."""
    c, m = report["config"], report["memory"]
    quick = " (--quick smoke run: few images, noisy)" if c["quick"] else ""
    lines = [
        f"cnn_lib benchmark{quick}",
        *textwrap.wrap(c["architecture"], 100),
        f"{c['dtype']}, {c['optimizer']}, training batch {c['batch_size']}, "
        f"inference batch {c['inference_batch_size']}{_slices(c)}, best of {c['repeats']} rounds"
        f"{_blocks(c)}",
        "",
        f"{'implementation':<16}{'train img/s':>12}{'inference img/s':>17}",
    ]
    for name, r in report["results"].items():
        note = f"  (timed on {c['naive_images']} images)" if name == "naive" else ""
        train, infer = r["train_images_per_s"], r["inference_images_per_s"]
        lines.append(f"{name:<16}{train:>12.1f}{infer:>17.1f}{note}")
    lines.append("")
    for key, value in [*report["ratios"].items(), ("epoch_peak_mb", m["epoch_peak_mb"])]:
        unit = "x" if key != "epoch_peak_mb" else " "
        lines.append(f"{TARGETS[key][2]:<28}{value:>9.2f}{unit}   {verdict(key, value)}")
    lines.append(
        f"(memory: one epoch over {m['images']} images; process peak RSS {m['max_rss_mb']:.0f} MB)"
    )
    if report.get("profile_ms"):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in report["profile_ms"].items())
        lines.append(f"one training step, ms (fastest of the rounds): {parts}")
    if "torch" not in report["results"]:
        lines.append("PyTorch is not installed: install it to add the comparison rows.")
    env = report.get("environment", {})
    load, cpus = env.get("load_average"), env.get("cpu_count") or 1
    if load and load[0] > cpus / 2:
        lines.append(
            f"WARNING: load average {load[0]:.1f} on {cpus} CPUs: other processes are "
            "running, so the timings are unreliable (multi-threaded BLAS suffers most)."
        )
    return "\n".join(lines)


def limit_blas_threads(n: int) -> str:
    """Let NumPy's matrix multiplies (BLAS) use at most ``n`` threads; say how.

    Uses ``threadpoolctl`` when it is installed, else the ``set_num_threads``
    function of the OpenBLAS library that NumPy wheels ship. Returns a short
    description for a printout, or the reason nothing was pinned.

    Examples
    --------
    >>> isinstance(limit_blas_threads(1), str)
    True
    """
    n = check_positive_int(n, "n")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        threadpool_limits(n, user_api="blas")
        return f"BLAS limited to {n} thread(s) with threadpoolctl"
    import numpy

    libs = os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        lib = ctypes.CDLL(path)  # already loaded by NumPy: the same library
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(lib, name):
                getattr(lib, name)(n)
                return f"BLAS (OpenBLAS) limited to {n} thread(s)"
    return "BLAS threads not pinned (install threadpoolctl to pin them)"


def max_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss``; NaN on Windows)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return float("nan")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def format_real_table(report: dict) -> str:
    """The dict of :func:`cnn_lib.benchmark_real.run_real_benchmark` as a plain-text table."""
    c = report["config"]
    lines = [
        f"Real data: Fashion-MNIST, {c['epochs']} epochs on {c['train_images']} images, "
        f"test accuracy on {c['test_images']}",
        f"{c['optimizer']}, batch {c['batch_size']}, seed {c['seed']}",
        "",
        f"{'library':<12}{'train time s':>14}{'test accuracy':>15}",
    ]
    for name, r in report["results"].items():
        lines.append(f"{name:<12}{r['seconds']:>14.1f}{100 * r['test_accuracy']:>14.1f}%")
    if "time_ratio" in report:
        ratio, gap = report["time_ratio"], report["accuracy_gap"]
        lines += [
            "",
            f"time cnn_lib / torch: {ratio:.2f}x (target <= 2.0x: "
            f"{'met' if ratio <= 2.0 else 'MISSED'})",
            "  epoch by epoch: " + ", ".join(f"{r:.2f}x" for r in report["epoch_ratios"]),
            f"accuracy torch - cnn_lib: {gap:+.1f} points (target within 1: "
            f"{'met' if abs(gap) <= 1.0 else 'MISSED'})",
        ]
    else:
        lines.append("PyTorch is not installed: install it to add the comparison row.")
    load, cpus = report["environment"].get("load_average"), report["environment"].get("cpu_count")
    if load and load[0] > (cpus or 1) / 2:
        lines.append(f"WARNING: load average {load[0]:.1f} on {cpus} CPUs: timings are unreliable.")
    return "\n".join(lines)
