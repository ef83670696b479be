"""Explorers around a network and its training: feature maps, kernel snapshots, curves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from test_widgets_explorers import check_static, timed_set

from cnn_lib.layers import Flatten, Linear, ReLU, Sequential
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.pooling import MaxPool2d
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.training import fit
from cnn_lib.widgets import (
    KernelSnapshots,
    TrainingMonitor,
    feature_map_explorer,
    kernel_evolution_explorer,
    training_explorer,
)


def tiny_cnn(seed=0):
    return Sequential(
        Conv2d(1, 4, 3, padding=1, rng=seed),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(4 * 4 * 4, 3, rng=seed + 1),
    )


def tiny_data(n=48, seed=0):
    """Three classes of 8x8 images: a bright row, a bright column, or a bright diagonal."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.normal(0, 0.1, (n, 1, 8, 8)).astype(np.float32)
    for i, label in enumerate(y):
        pos = rng.integers(1, 7)
        if label == 0:
            x[i, 0, pos, :] += 1
        elif label == 1:
            x[i, 0, :, pos] += 1
        else:
            x[i, 0][np.eye(8, dtype=bool)] += 1
    return x, y


# --- feature maps --------------------------------------------------------------------


def test_feature_map_explorer_shows_each_layers_output():
    model = tiny_cnn()
    x, _ = tiny_data(4)
    ex = feature_map_explorer(model, x)
    layers = [label for label, _ in ex.controls["layer"].options]
    assert layers == ["0: Conv2d \u2192 4\u00d78\u00d78", "1: ReLU \u2192 4\u00d78\u00d78",
                      "2: MaxPool2d \u2192 4\u00d74\u00d74"]  # fmt: skip
    ex.widget()
    ex.set(image=2, layer=0, channel=3)
    conv = model[0]
    expected = signal.correlate2d(x[2, 0], conv.weight.data[3, 0], mode="same")
    expected += conv.bias.data[3]
    np.testing.assert_allclose(ex.results["map"], expected, rtol=1e-4, atol=1e-5)
    ex.set(layer=2)  # max pooling of the ReLU map, by hand
    relu = np.maximum(expected, 0)
    pooled = relu.reshape(4, 2, 4, 2).max(axis=(1, 3))
    np.testing.assert_allclose(ex.results["map"], pooled, rtol=1e-4, atol=1e-5)


def test_feature_map_explorer_limits_the_channel_slider_to_the_layer():
    model = Sequential(Conv2d(1, 6, 3, rng=0), ReLU(), Conv2d(6, 2, 3, rng=1))
    ex = feature_map_explorer(model, np.ones((1, 1, 9, 9)))
    ex.widget()
    ex.set(channel=5)
    ex.set(layer=2)
    assert ex.widgets["channel"].max == 1 and ex.results["channel"] == 1
    assert ex.results["map"].shape == (5, 5)


def test_feature_map_explorer_runs_the_model_in_eval_mode_and_restores_it():
    from cnn_lib.layers import Dropout

    model = Sequential(Conv2d(1, 2, 3, rng=0), Dropout(0.9, rng=0))
    model.train()
    x = np.ones((1, 1, 6, 6))
    ex = feature_map_explorer(model, x)
    ex.set(layer=1, channel=0)
    no_dropout = signal.correlate2d(x[0, 0], model[0].weight.data[0, 0], "valid")
    np.testing.assert_allclose(ex.results["map"], no_dropout + model[0].bias.data[0], rtol=1e-6)
    assert model.training and model[1].training


def test_feature_map_explorer_validates_its_inputs():
    with pytest.raises(ValueError, match="x\\[None\\]|images\\[None\\]"):
        feature_map_explorer(tiny_cnn(), np.ones((1, 8, 8)))
    with pytest.raises(ValueError, match="Sequential"):
        feature_map_explorer(Conv2d(1, 2, 3, rng=0), np.ones((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="4-D"):
        feature_map_explorer(Sequential(Flatten()), np.ones((1, 1, 8, 8)))


def test_feature_map_static_panel_precomputes_three_images():
    x, _ = tiny_data(8)
    data = check_static(feature_map_explorer(tiny_cnn(), x))
    assert [len(c["labels"]) for c in data["controls"]] == [3, 3, 4]


# --- kernel snapshots during fit -------------------------------------------------------


def train(model, epochs, callbacks):
    x, y = tiny_data()
    optimizer = SGD(model.parameters(), lr=0.1)
    return fit(model, x, y, loss=CrossEntropyLoss(), optimizer=optimizer, epochs=epochs,
               batch_size=16, rng=0, callbacks=callbacks, progress=False)  # fmt: skip


def test_kernel_snapshots_record_the_weights_before_and_after_every_epoch():
    model = tiny_cnn()
    initial = model[0].weight.data.copy()
    snaps = KernelSnapshots(model[0])
    train(model, 3, [snaps])
    assert len(snaps.snapshots) == 4
    np.testing.assert_array_equal(snaps.snapshots[0], initial)
    np.testing.assert_array_equal(snaps.snapshots[-1], model[0].weight.data)
    assert not np.array_equal(snaps.snapshots[1], snaps.snapshots[0])  # copies, not views
    assert snaps.snapshots[1] is not model[0].weight.data


def test_kernel_snapshots_need_a_conv_layer():
    with pytest.raises(ValueError, match="4-D weight"):
        KernelSnapshots(Linear(2, 2, rng=0))


def test_kernel_evolution_explorer_steps_through_the_snapshots():
    model = tiny_cnn()
    snaps = KernelSnapshots(model[0])
    train(model, 2, [snaps])
    ex = kernel_evolution_explorer(snaps)
    ex.widget()
    for epoch in (2, 0, 1):
        ex.set(epoch=epoch)
        np.testing.assert_array_equal(ex.results["weights"], snaps.snapshots[epoch])
    html = ex._view_widgets["kernels"][0].value
    assert html.count("<table") == 4  # one printed kernel per output channel
    w = snaps.snapshots[1][0, 0]
    assert f">{w[0, 0]:.2f}<" in html
    data = check_static(ex)
    assert data["controls"][0]["labels"] == ["0", "1", "2"]


def test_kernel_evolution_accepts_plain_arrays_and_rejects_mixed_shapes():
    ex = kernel_evolution_explorer([np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))])
    assert "&plusmn;1.00" in ex.render_view("change", epoch=1)
    with pytest.raises(ValueError, match="one shape"):
        kernel_evolution_explorer([np.zeros((2, 1, 3, 3)), np.zeros((2, 1, 5, 5))])


def test_kernel_evolution_of_many_large_kernels_draws_one_mosaic():
    rng = np.random.default_rng(0)
    ex = kernel_evolution_explorer([rng.normal(size=(16, 1, 7, 7)) for _ in range(3)])
    html = ex.render_view("kernels", epoch=1)
    assert "<table" not in html and html.count("<img") == 1


# --- training curves -------------------------------------------------------------------


def test_training_monitor_records_what_fit_reports():
    monitor = TrainingMonitor(every=1)
    history = train(tiny_cnn(), 3, [monitor])
    assert monitor.history.keys() == history.history.keys()
    for key, values in history.history.items():
        assert monitor.history[key] == pytest.approx(values)
    assert "cnn-panel" in monitor.to_html()  # the static fallback is a training explorer


def test_training_monitor_updates_its_live_view():
    monitor = TrainingMonitor(every=2)
    monitor.widget()
    monitor.on_epoch_begin(0, {})
    for batch in range(4):
        monitor.on_batch_end(batch, {"loss": 1.0 + batch, "accuracy": 0.5})
    assert "batch 4: running loss 2.5000, accuracy 0.5000" in monitor._status.value
    monitor.on_epoch_end(0, {"loss": 2.5, "accuracy": 0.5})
    assert monitor._charts.value.count("<svg") == 2
    assert "epoch 1: loss 2.5000" in monitor._status.value
    assert 0 <= monitor.last_update_seconds < 1.0
    bundle = monitor._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle


def test_training_monitor_without_epochs_has_a_plain_fallback():
    assert "no epoch finished yet" in TrainingMonitor().to_html()
    with pytest.raises(ValueError, match="every"):
        TrainingMonitor(every=0)


def test_training_explorer_draws_the_curves_up_to_the_chosen_epoch():
    history = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.8, 0.7],
               "val_accuracy": [0.4, 0.6, 0.7]}  # fmt: skip
    ex = training_explorer(history)
    ex.widget()
    ex.set(epoch=2)
    curves = ex._view_widgets["curves"][0].value
    polylines = [p.split('points="')[1].split('"')[0] for p in curves.split("<polyline")[1:]]
    assert [len(p.split()) for p in polylines] == [2, 2, 2, 2]  # 4 curves, 2 epochs each
    assert "epoch 2: loss 0.6000, accuracy 0.7000" in ex._view_widgets["summary"][0].value
    data = check_static(ex)
    assert data["controls"][0]["labels"] == ["1", "2", "3"]


def test_training_explorer_accepts_a_history_and_rejects_empty_ones():
    history = train(tiny_cnn(), 2, [])
    assert "epoch 2" in training_explorer(history).render_view("summary", epoch=2)
    with pytest.raises(ValueError, match="at least one epoch"):
        training_explorer({"loss": []})


def test_live_redraw_times_of_the_network_explorers():
    x, _ = tiny_data(4)
    timings = {
        "feature_map_explorer": timed_set(feature_map_explorer(tiny_cnn(), x), channel=2),
        "kernel_evolution_explorer": timed_set(
            kernel_evolution_explorer([np.zeros((6, 1, 5, 5)), np.ones((6, 1, 5, 5))]), epoch=1
        ),
        "training_explorer": timed_set(
            training_explorer({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8]}), epoch=1
        ),
    }
    for name, seconds in timings.items():
        print(f"\n{name}: live redraw {1000 * seconds:.1f} ms")
        assert seconds < 1.0


def test_a_monitor_can_leave_only_the_last_epoch_summary():
    from cnn_lib.widgets import TrainingMonitor

    monitor = TrainingMonitor(leave="summary")
    monitor.on_epoch_end(0, {"loss": 0.9, "accuracy": 0.7})
    monitor.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.8})
    html = monitor.to_html()
    assert "epoch 2: loss 0.5000, accuracy 0.8000" in html and "<svg" not in html
    with pytest.raises(ValueError, match="leave"):
        TrainingMonitor(leave="nothing")
