"""The training-run explorer: one epoch slider over curves, kernels and confusion matrices."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_widgets_explorers import check_static
from test_widgets_training import tiny_cnn, tiny_data, train

from cnn_lib.evaluation import predict
from cnn_lib.layers.linear import Linear
from cnn_lib.widgets import ConfusionSnapshots, KernelSnapshots, training_run_explorer

NAMES = ["row", "column", "diagonal"]


class PredictionLog:
    """An independent record of each epoch's predictions on the validation images."""

    def __init__(self, model, x):
        self.model, self.x, self.predictions = model, x, []

    def on_epoch_end(self, epoch, logs):
        self.predictions.append(predict(self.model, self.x))


def recorded_run(epochs=3):
    model = tiny_cnn()
    x_val, y_val = tiny_data(30, seed=1)
    kernels, confusions = KernelSnapshots(model[0]), ConfusionSnapshots(model, x_val, y_val)
    log = PredictionLog(model, x_val)
    history = train(model, epochs, [kernels, confusions, log])
    return history, kernels, confusions, log, y_val


def brute_force_confusion(y_true, y_pred, k):
    counts = np.zeros((k, k), dtype=int)
    for i in range(k):
        for j in range(k):
            counts[i, j] = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == i and p == j)
    return counts


def test_confusion_snapshots_count_every_true_predicted_pair():
    _, _, confusions, log, y_val = recorded_run()
    assert len(confusions.matrices) == len(log.predictions) == 3
    for matrix, pred in zip(confusions.matrices, log.predictions, strict=True):
        np.testing.assert_array_equal(matrix, brute_force_confusion(y_val, pred, 3))
        assert matrix.dtype == np.int64 and matrix.sum() == len(y_val)


def test_confusion_snapshots_hand_worked_example():
    # Linear(1, 2) with weights (1, -1) and no bias predicts class 0 for x > 0, else 1.
    layer = Linear(1, 2, rng=0)
    layer.weight.data[:] = [[1.0], [-1.0]]
    layer.bias.data[:] = 0.0
    x = np.array([[1.0], [2.0], [-1.0], [3.0]])
    snaps = ConfusionSnapshots(layer, x, np.array([0, 1, 1, 1]))
    snaps.on_epoch_end(0, {})
    np.testing.assert_array_equal(snaps.matrices[0], [[1, 0], [2, 1]])


def test_confusion_snapshots_validate_their_inputs():
    layer = Linear(2, 3, rng=0)
    with pytest.raises(ValueError, match="same number of samples"):
        ConfusionSnapshots(layer, np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="y_val must be integer"):
        ConfusionSnapshots(layer, np.zeros((2, 2)), np.array([0.0, 1.0]))
    snaps = ConfusionSnapshots(layer, np.ones((2, 2)), np.array([0, 0]), num_classes=1)
    layer.bias.data[:] = [0.0, 0.0, 100.0]  # every prediction is class 2
    with pytest.raises(ValueError, match="num_classes is 1"):
        snaps.on_epoch_end(0, {})


def test_live_explorer_shows_the_recorded_epoch():
    history, kernels, confusions, log, y_val = recorded_run()
    ex = training_run_explorer(history, kernels, confusions, class_names=NAMES)
    ex.widget()
    for epoch in (1, 3, 2):
        ex.set(epoch=epoch)
        expected = brute_force_confusion(y_val, log.predictions[epoch - 1], 3)
        np.testing.assert_array_equal(ex.results["confusion"], expected)
        # snapshots[0] is the weight before training, so epoch e is snapshots[e]
        np.testing.assert_array_equal(ex.results["weights"], kernels.snapshots[epoch])
        table = ex._view_widgets["confusion"][0].value
        assert f"{int(np.trace(expected))} of {len(y_val)} on the diagonal" in table
        for i, name in enumerate(NAMES):  # the printed counts, row by row
            row = table.split(f"{name} ({i})</th>")[1].split("</tr>")[0]
            assert re.findall(r">(\d+)</td>", row) == [str(n) for n in expected[i]]
        summary = ex._view_widgets["summary"][0].value
        assert f"epoch {epoch}: loss {history.history['loss'][epoch - 1]:.4f}" in summary


def test_explorer_accepts_one_kernel_snapshot_per_epoch():
    history = {"loss": [1.0, 0.5]}
    before, after = np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))
    mats = [np.eye(2, dtype=int), np.ones((2, 2), dtype=int)]
    ex = training_run_explorer(history, [before, after], mats)
    ex.set(epoch=1)
    np.testing.assert_array_equal(ex.results["weights"], before)
    assert "class 1 (1)" in ex.render_view("confusion", epoch=1)


def test_explorer_validates_its_inputs():
    history = {"loss": [1.0, 0.5]}
    w = [np.zeros((2, 1, 3, 3))] * 3
    mats = [np.eye(2, dtype=int)] * 2
    with pytest.raises(ValueError, match="kernels must be 2 or 3"):
        training_run_explorer(history, w[:1], mats)
    with pytest.raises(ValueError, match="confusions must be 2"):
        training_run_explorer(history, w, mats[:1])
    with pytest.raises(ValueError, match="class_names must have 2"):
        training_run_explorer(history, w, mats, class_names=["a"])


def test_static_panel_has_one_frame_per_epoch_and_no_links():
    history, kernels, confusions, _, _ = recorded_run(epochs=4)
    ex = training_run_explorer(history, kernels, confusions, class_names=NAMES)
    data = check_static(ex, budget=200_000)
    assert data["controls"][0]["labels"] == ["1", "2", "3", "4"]
    assert all(len(view["items"]) == 4 for view in data["views"])
    curves = data["views"][0]["items"]
    assert len(set(curves)) == 4  # each epoch draws its own curves
    assert data["controls"][0]["value"] == 3  # the panel opens on the last epoch
