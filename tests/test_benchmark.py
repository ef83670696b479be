"""The benchmark runs end to end, and its measuring tools measure the right things.

No assertion here is about speed: timings depend on the machine and its load.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib.benchmark import ARCHITECTURE, build_model, torch_model
from cnn_lib.benchmark_report import (
    TARGETS,
    describe_layer,
    environment,
    format_real_table,
    format_table,
    ratios,
    verdict,
)
from cnn_lib.evaluation import EVAL_BATCH_SIZE
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.profiling import (
    epoch_peak_memory,
    inference_throughput,
    max_rss_mb,
    profile_training_step,
    training_throughput,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _batch(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def test_quick_run_prints_the_table_and_writes_the_json(tmp_path):
    path = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "cnn_lib.benchmark", "--quick", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(path.read_text())
    assert set(report) >= {"config", "results", "ratios", "memory", "environment", "profile_ms"}
    env = report["environment"]
    has_torch = env["torch"] is not None  # whether the subprocess could import it
    if not HAS_TORCH:
        assert not has_torch
    rows = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert {"naive", "im2col"} <= rows
    assert ("torch" in rows) == has_torch
    expected = {"naive", "im2col", "torch"} if has_torch else {"naive", "im2col"}
    assert set(report["results"]) == expected
    for result in report["results"].values():
        for key in ("train_images_per_s", "inference_images_per_s"):
            assert np.isfinite(result[key]) and result[key] > 0
    ratio_keys = {k for k in TARGETS if k != "epoch_peak_mb"}
    assert set(report["ratios"]) == (ratio_keys if has_torch else {"im2col_vs_naive_train"})
    assert report["config"]["quick"] is True and report["config"]["batch_size"] == 64
    assert report["config"]["inference_slice"] == EVAL_BATCH_SIZE
    assert report["memory"]["epoch_peak_mb"] > 0 and report["memory"]["max_rss_mb"] > 0
    assert env["numpy"] == np.__version__
    assert env["python"] == ".".join(map(str, sys.version_info[:3]))
    assert "blas" in env and env["cpu_count"] >= 1
    assert env["cnn_lib_threads"] == 2  # as many as PyTorch gets
    assert "Conv2d forward" in report["profile_ms"]
    if has_torch:  # same weights in both libraries: the untrained networks agree
        assert report["checks"]["torch_logits_max_abs_diff"] < 1e-4
    else:
        assert "PyTorch is not installed" in done.stdout


def test_build_model_has_the_issue_architecture_and_seeded_weights():
    model = build_model("naive", rng=3)
    assert [type(layer).__name__ for layer in model] == [name for name, _, _ in ARCHITECTURE]
    convs = [layer for layer in model if isinstance(layer, Conv2d)]
    assert [c.impl for c in convs] == ["naive", "naive"]
    assert [c.needs_input_grad for c in convs] == [False, True]
    other = build_model("im2col", rng=3).state_dict()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, other[name])
        assert value.dtype == np.float32


def test_torch_copy_computes_the_same_logits_and_the_same_sgd_step():
    torch = pytest.importorskip("torch")
    from cnn_lib.losses import CrossEntropyLoss
    from cnn_lib.optim import SGD

    x, y = _batch()
    model = build_model(rng=1)
    net = torch_model(model, torch)
    ours = model(x)
    theirs = net(torch.from_numpy(x))
    np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-5)
    # One SGD-with-momentum step on both: every weight moves the same way.
    loss = CrossEntropyLoss()
    loss(ours, y)
    model.backward(loss.backward())
    SGD(model.parameters(), lr=0.1, momentum=0.9).step()
    torch.nn.functional.cross_entropy(theirs, torch.from_numpy(y)).backward()
    torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9).step()
    for name, value in net.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name], value.numpy(), atol=1e-5)


class CountingSGD:
    """Stands in for an optimizer; counts the calls the profiler makes."""

    def __init__(self):
        self.steps = self.zeroed = 0

    def zero_grad(self):
        self.zeroed += 1

    def step(self):
        self.steps += 1


def test_profile_times_every_layer_type_once_per_step():
    x, y = _batch()
    optimizer = CountingSGD()
    times = profile_training_step(build_model(), x, y, optimizer=optimizer, repeats=3, warmup=2)
    assert optimizer.steps == optimizer.zeroed == 5
    kinds = ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    expected = {f"{k} {d}" for k in kinds for d in ("forward", "backward")} | {"loss", "optimizer"}
    assert set(times) == expected
    assert list(times)[:2] == ["optimizer", "Conv2d forward"]
    assert all(np.isfinite(v) and v >= 0 for v in times.values())


def test_profile_really_trains_with_the_default_optimizer():
    x, y = _batch()
    model = build_model()
    before = model.state_dict()
    profile_training_step(model, x, y, repeats=1, warmup=0)
    assert any(not np.array_equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"repeats": 0}, "repeats"), ({"warmup": -1}, "warmup"), ({"warmup": 1.5}, "warmup")],
)
def test_profile_rejects_bad_counts(kwargs, match):
    x, y = _batch(2)
    with pytest.raises(ValueError, match=match):
        profile_training_step(build_model(), x, y, **kwargs)


def test_profile_needs_a_sequential():
    with pytest.raises(ValueError, match="Sequential.*got Linear"):
        profile_training_step(Linear(3, 2), np.ones((2, 3)), np.array([0, 1]))


def test_throughputs_are_positive_and_restore_the_mode():
    x, y = _batch(8)
    model = Sequential(build_model()[0], Dropout(0.5, rng=0)).eval()
    assert inference_throughput(model, x, batch_size=4, repeats=2) > 0
    assert model[1].training is False
    model.train()
    inference_throughput(model, x, batch_size=4, repeats=1)
    assert model[1].training is True
    assert training_throughput(build_model(), x, y, batch_size=4, repeats=1) > 0
    with pytest.raises(ValueError, match="batch_size"):
        training_throughput(build_model(), x, y, batch_size=0)


def test_epoch_peak_memory_sees_the_im2col_matrices():
    x, y = _batch(64)
    peak = epoch_peak_memory(build_model(), x, y, batch_size=64)
    # The second conv unfolds 64 * 14 * 14 windows of 8 * 3 * 3 float32 values.
    cols_mb = 64 * 14 * 14 * 8 * 9 * 4 / 2**20
    assert cols_mb < peak < 300
    assert not tracemalloc.is_tracing()


def test_epoch_peak_memory_keeps_an_outer_trace_running():
    x, y = _batch(4)
    tracemalloc.start()
    try:
        assert epoch_peak_memory(build_model(), x, y, batch_size=4) > 0
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def _report(with_torch, naive_rate=1.0):
    results = {
        "naive": {"train_images_per_s": naive_rate, "inference_images_per_s": 4.0},
        "im2col": {"train_images_per_s": 100.0, "inference_images_per_s": 400.0},
    }
    if with_torch:
        results["torch"] = {"train_images_per_s": 400.0, "inference_images_per_s": 400.0}
    config = {"quick": False, "architecture": "net", "dtype": "float32", "optimizer": "SGD"}
    config |= {"batch_size": 64, "inference_batch_size": 500, "repeats": 5, "naive_images": 64}
    return {
        "config": config,
        "results": results,
        "ratios": ratios(results),
        "memory": {"epoch_peak_mb": 12.5, "max_rss_mb": 90.0, "images": 6000},
        "profile_ms": {"Conv2d forward": 1.5},
    }


def test_ratios_divide_im2col_by_the_others():
    assert ratios(_report(True)["results"]) == {
        "im2col_vs_naive_train": 100.0,
        "im2col_vs_torch_train": 0.25,
        "im2col_vs_torch_inference": 1.0,
    }


def test_table_lists_rows_ratios_and_verdicts():
    table = format_table(_report(True))
    lines = table.splitlines()
    assert any(line.startswith("naive") and "timed on 64 images" in line for line in lines)
    assert any(line.startswith("torch") for line in lines)
    assert "im2col / torch, training" in table and "0.25x" in table
    assert "target >= 0.55: MISSED" in table and "target >= 0.8: met" in table
    assert "target < 300: met" in table and "Conv2d forward 1.50" in table
    assert "not installed" not in table
    assert "inference batch 500, best of 5" in table  # no slicing recorded


def test_table_header_says_how_eval_batches_are_sliced():
    report = _report(True)
    report["config"]["inference_slice"] = 64
    assert "inference batch 500 (cnn_lib: predict in batches of 64), best of 5" in format_table(
        report
    )
    report["config"]["inference_slice"] = None
    assert "inference batch 500, best of 5" in format_table(report)


def test_table_warns_when_the_machine_is_busy():
    report = _report(True)
    report["environment"] = {"load_average": [3.5, 2.0, 1.0], "cpu_count": 2}
    assert "WARNING: load average 3.5 on 2 CPUs" in format_table(report)
    report["environment"] = {"load_average": [0.2, 0.1, 0.1], "cpu_count": 2}
    assert "WARNING" not in format_table(report)


def test_table_without_torch_says_how_to_get_the_comparison():
    table = format_table(_report(False, naive_rate=0.25))
    assert "torch" not in {line.split()[0] for line in table.splitlines() if line.strip()}
    assert "PyTorch is not installed" in table
    assert "400.00x   target >= 300: met" in table


def test_verdict_compares_with_the_issue_targets():
    assert verdict("im2col_vs_naive_train", 299.9).endswith("MISSED")
    assert verdict("im2col_vs_naive_train", 300).endswith("met")
    assert verdict("epoch_peak_mb", 300).endswith("MISSED")
    assert verdict("im2col_vs_torch_train", 0.54).endswith("MISSED")  # issue #14: 0.55
    assert verdict("im2col_vs_torch_train", 0.55).endswith("met")


def test_environment_names_the_versions_and_threads():
    env = environment()
    assert env["numpy"] == np.__version__ and env["torch"] is None
    assert set(env["blas"]) == {"name", "version", "openblas configuration"}
    assert set(env["thread_env"]) == {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
    fake_torch = SimpleNamespace(__version__="9.9", get_num_threads=lambda: 3)
    env = environment(fake_torch)
    assert env["torch"] == "9.9" and env["torch_threads"] == 3


def test_describe_layer_reads_like_the_constructor_call():
    assert describe_layer("Conv2d", (1, 8, 3), {"padding": 1}) == "Conv2d(1, 8, 3, padding=1)"
    assert describe_layer("ReLU", (), {}) == "ReLU()"


def test_max_rss_is_in_megabytes():
    block = np.ones(50 * 2**20 // 8)  # 50 MB, touched by the fill
    assert 50 <= max_rss_mb() < 100_000
    del block


# --- the real-data benchmark (--real), on tiny data --------------------------------
def _tiny_fashion(**_):
    """A stand-in for load_fashion_mnist: two separable classes of 28x28 images."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 384)
    x = rng.normal(0.0, 0.1, size=(384, 1, 28, 28)).astype(np.float32)
    x[y == 1, :, :14] += 1.0  # class 1 has a bright top half
    return (x[:320], y[:320]), (x[320:], y[320:])


@pytest.mark.parametrize("use_torch", [False, True])
def test_real_benchmark_trains_both_libraries_and_reports_time_and_accuracy(monkeypatch, use_torch):
    import cnn_lib.benchmark_real as real

    if use_torch:
        pytest.importorskip("torch")
    monkeypatch.setattr(real, "load_fashion_mnist", _tiny_fashion)
    fit_threads = []

    def fit_and_count_threads(*args, **kwargs):
        fit_threads.append(cl.get_num_threads())
        return cl.fit(*args, **kwargs)

    monkeypatch.setattr(real, "fit", fit_and_count_threads)
    report = real.run_real_benchmark(epochs=3, use_torch=use_torch, seed=1)
    # One fit call per epoch, each on two threads; one thread again afterwards.
    assert fit_threads == [2, 2, 2] and cl.get_num_threads() == 1
    assert report["config"]["train_images"] == 320 and report["config"]["test_images"] == 64
    names = ["cnn_lib", "torch"] if use_torch else ["cnn_lib"]
    assert list(report["results"]) == names
    for result in report["results"].values():
        assert len(result["epoch_seconds"]) == 3 and min(result["epoch_seconds"]) > 0
        assert result["seconds"] == pytest.approx(sum(result["epoch_seconds"]))
        assert result["test_accuracy"] > 0.8  # the classes are easy to tell apart
    table = format_real_table(report)
    assert "Fashion-MNIST, 3 epochs on 320 images, test accuracy on 64" in table
    if use_torch:
        ours, theirs = report["results"]["cnn_lib"], report["results"]["torch"]
        assert report["time_ratio"] == pytest.approx(ours["seconds"] / theirs["seconds"])
        epochs = zip(ours["epoch_seconds"], theirs["epoch_seconds"], strict=True)
        assert report["epoch_ratios"] == pytest.approx([a / b for a, b in epochs])
        per_epoch = ", ".join(f"{r:.2f}x" for r in report["epoch_ratios"])
        assert f"epoch by epoch: {per_epoch}" in table
        gap = 100 * (theirs["test_accuracy"] - ours["test_accuracy"])
        assert report["accuracy_gap"] == pytest.approx(gap)
        assert "time cnn_lib / torch:" in table and "accuracy torch - cnn_lib:" in table
    else:
        assert "PyTorch is not installed" in table


def test_real_benchmark_takes_turns_epoch_by_epoch_and_trains_like_one_fit(monkeypatch):
    import cnn_lib.benchmark_real as real

    monkeypatch.setattr(real, "load_fashion_mnist", _tiny_fashion)
    build, turns = real.real_model, []

    def side(name, run):
        def wrapped(data, seed, *rest):
            train_epoch, accuracy = run(data, seed, *rest)

            def epoch():
                turns.append(name)
                return train_epoch()

            return epoch, accuracy

        return wrapped

    monkeypatch.setattr(real, "_cnn_lib_run", side("cnn_lib", real._cnn_lib_run))
    stand_in = SimpleNamespace(__version__="a stand-in for PyTorch")
    monkeypatch.setattr(real, "_import_torch", lambda: stand_in)
    monkeypatch.setattr(real, "_torch_run", side("torch", lambda *a: (lambda: 1.0, lambda: 0.5)))
    monkeypatch.setattr(real, "_torch_threads", lambda torch: contextlib.nullcontext())
    built = []
    monkeypatch.setattr(real, "real_model", lambda seed: built.append(build(seed)) or built[-1])
    report = real.run_real_benchmark(epochs=3, seed=2)
    assert turns == ["cnn_lib", "torch"] * 3
    # Three one-epoch fits with one shuffling generator train the same model as
    # one three-epoch fit seeded alike.
    (x, y), (x_test, y_test) = _tiny_fashion()
    model = build(2)
    optimizer = cl.SGD(model.parameters(), lr=real.LR, momentum=real.MOMENTUM)
    with cl.threads.using_threads(real.THREADS):
        cl.fit(model, x, y, loss=cl.CrossEntropyLoss(), optimizer=optimizer, epochs=3,
               batch_size=real.BATCH_SIZE, rng=2, progress=False)  # fmt: skip
        accuracy = float(np.mean(cl.predict(model, x_test) == y_test))
    for trained, reference in zip(built[0].parameters(), model.parameters(), strict=True):
        np.testing.assert_array_equal(trained.data, reference.data)
    assert report["results"]["cnn_lib"]["test_accuracy"] == accuracy


def test_real_benchmark_is_seeded(monkeypatch):
    import cnn_lib.benchmark_real as real

    monkeypatch.setattr(real, "load_fashion_mnist", _tiny_fashion)
    runs = [real.run_real_benchmark(epochs=1, use_torch=False, seed=3) for _ in range(2)]
    accuracies = [r["results"]["cnn_lib"]["test_accuracy"] for r in runs]
    assert accuracies[0] == accuracies[1]


def test_real_model_has_the_issue_architecture():
    from cnn_lib.benchmark_real import real_model

    model = real_model(rng=0)
    described = [describe_layer(type(layer).__name__, (), {}) for layer in model]
    assert len(described) == 10
    convs = [layer for layer in model if isinstance(layer, Conv2d)]
    assert [c.weight.shape for c in convs] == [(16, 1, 3, 3), (32, 16, 3, 3)]
    linears = [layer for layer in model if isinstance(layer, Linear)]
    assert [lin.weight.shape for lin in linears] == [(128, 1568), (10, 128)]
    assert model(np.zeros((3, 1, 28, 28), dtype=np.float32)).shape == (3, 10)


@pytest.mark.skipif(
    not __import__("os").path.exists("/usr/share/datasets/fashion-mnist"),
    reason="Debian's dataset-fashion-mnist is not installed",
)
def test_real_benchmark_command_line_quick_run_on_the_real_files():
    done = subprocess.run(
        [sys.executable, "-m", "cnn_lib.benchmark", "--real", "--quick", "--no-torch"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "Fashion-MNIST, 1 epochs on 1024 images, test accuracy on 512" in done.stdout
    assert done.stdout.splitlines()[4].startswith("cnn_lib")


def test_libraries_take_turns_in_blocks_and_each_keeps_its_best_block(monkeypatch):
    pytest.importorskip("torch")  # the turns are between two libraries
    from cnn_lib import benchmark

    calls = []

    def recorded_passes(name):
        def passes(*args):
            return (lambda: calls.append((name, "train")), lambda: calls.append((name, "infer")))

        return passes

    # Seconds of each timed pass, in the order the blocks run: im2col's best
    # inference comes in its second block, torch's in its last.
    assert benchmark.BLOCKS >= 3
    later = [3.0] * (benchmark.BLOCKS - 3)
    seconds = {
        ("im2col", "train"): [2.0, 1.0, 4.0, *later],
        ("im2col", "infer"): [0.5, 0.25, 1.0, *later],
        ("torch", "train"): [1.0, 1.0, 0.5, *later],
        ("torch", "infer"): [1.0, 2.0, *later, 0.2],
    }

    def fake_best_seconds(one_pass, repeats):
        one_pass()
        return seconds[calls[-1]].pop(0) if calls[-1] in seconds else 1.0  # naive: 1 s

    monkeypatch.setattr(benchmark, "_numpy_passes", lambda impl, *a: recorded_passes(impl)(*a))
    monkeypatch.setattr(benchmark, "_torch_passes", recorded_passes("torch"))
    monkeypatch.setattr(benchmark, "best_seconds", fake_best_seconds)
    monkeypatch.setattr(benchmark, "epoch_peak_memory", lambda *a, **k: 1.0)
    monkeypatch.setattr(benchmark, "profile_training_step", lambda *a, **k: {})
    report = benchmark.run_benchmark(repeats=1)
    assert report["config"]["blocks"] == benchmark.BLOCKS
    libraries = [name for name, _ in calls if name != "naive"]
    # Warm-up and timed passes, the libraries in turns.
    assert libraries == (["im2col"] * 4 + ["torch"] * 4) * benchmark.BLOCKS
    results = report["results"]
    assert results["im2col"]["inference_images_per_s"] == 1000 / 0.25
    assert results["im2col"]["train_images_per_s"] == 640 / 1.0
    assert results["torch"]["inference_images_per_s"] == 1000 / 0.2
    assert results["torch"]["train_images_per_s"] == 640 / 0.5
    assert f"best of 1 rounds in each of {benchmark.BLOCKS} blocks" in format_table(report)
