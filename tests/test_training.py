"""The training loop: fit, evaluate, predict, callbacks and divergence."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.special import log_softmax

from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from cnn_lib.optim import SGD, Adam
from cnn_lib.training import History, eval_mode, evaluate, fit, predict


def blobs(n=120, seed=0):
    """Three well-separated Gaussian clusters in 2-D, labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centers = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    y = rng.integers(0, 3, n)
    x = (centers[y] + rng.normal(size=(n, 2))).astype(np.float32)
    return x, y


def mlp(seed=0):
    return Sequential(Linear(2, 16, rng=seed), ReLU(), Linear(16, 3, rng=seed + 1))


def train(model=None, epochs=3, **kwargs):
    x, y = blobs()
    model = model or mlp()
    options = dict(loss=CrossEntropyLoss(), epochs=epochs, batch_size=16, progress=False, rng=0)
    options.update(kwargs)
    optimizer = options.pop("optimizer", None) or SGD(model.parameters(), lr=0.1)
    return model, fit(model, x, y, optimizer=optimizer, **options)


class Recorder:
    """A callback that records every hook call."""

    def __init__(self):
        self.calls = []

    def on_epoch_begin(self, epoch, logs):
        self.calls.append(("epoch_begin", epoch, dict(logs)))

    def on_batch_end(self, batch, logs):
        self.calls.append(("batch_end", batch, dict(logs)))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs):
        self.calls.append(("train_end", None, dict(logs)))


def test_fit_learns_separable_blobs():
    model, history = train(epochs=10, optimizer=None)
    assert history.history["accuracy"][-1] == 1.0
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    x, y = blobs(seed=1)  # fresh samples from the same clusters
    assert np.mean(predict(model, x) == y) > 0.95


def test_history_has_one_entry_per_epoch_and_a_repr():
    x_val, y_val = blobs(30, seed=2)
    _, history = train(epochs=4, validation_data=(x_val, y_val))
    assert isinstance(history, History)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in history.history.values())
    assert len(history.epoch_times) == 4 and all(t >= 0 for t in history.epoch_times)
    assert all(0 <= a <= 1 for a in history.history["accuracy"] + history.history["val_accuracy"])
    assert history.epochs == 4
    assert repr(history).startswith("History(epochs=4, loss=")
    assert "val_accuracy=" in repr(history)


def test_val_metrics_equal_evaluate_after_training():
    x_val, y_val = blobs(30, seed=2)
    model, history = train(epochs=2, validation_data=(x_val, y_val))
    loss, accuracy = evaluate(model, x_val, y_val)
    assert history.history["val_loss"][-1] == pytest.approx(loss)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_zero_epochs_trains_nothing():
    model = mlp()
    before = model.state_dict()
    _, history = train(model, epochs=0)
    assert history.history == {"loss": [], "accuracy": []}
    assert repr(history) == "History(epochs=0)"
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_same_seed_same_result_and_shuffling_changes_it():
    (m1, h1), (m2, h2) = train(rng=3), train(rng=3)
    assert h1.history == h2.history
    np.testing.assert_array_equal(m1[0].weight.data, m2[0].weight.data)
    (_, h3) = train(rng=4)
    assert h3.history["loss"] != h1.history["loss"]


class SeenBatches(Module):
    """Identity-like model that records the first feature of every training batch."""

    def __init__(self):
        self.linear = Linear(2, 3, rng=0)
        self.seen = []

    def forward(self, x):
        if self.training:  # fit's checks run one sample in eval mode first
            self.seen.append(x[:, 0].copy())
        return self.linear(x)

    def backward(self, grad_output):
        return self.linear.backward(grad_output)


@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_cover_every_sample_once_per_epoch(shuffle):
    x = np.stack([np.arange(10.0), np.zeros(10)], axis=1)
    y = np.arange(10) % 3
    model = SeenBatches()
    fit(
        model,
        x,
        y,
        loss=CrossEntropyLoss(),
        optimizer=SGD(model.parameters(), lr=0.01),
        epochs=2,
        batch_size=4,
        shuffle=shuffle,
        rng=0,
        progress=False,
    )
    assert [len(b) for b in model.seen] == [4, 4, 2, 4, 4, 2]  # last batch is partial
    epoch1, epoch2 = np.concatenate(model.seen[:3]), np.concatenate(model.seen[3:])
    np.testing.assert_array_equal(np.sort(epoch1), np.arange(10))
    np.testing.assert_array_equal(np.sort(epoch2), np.arange(10))
    if shuffle:
        assert not np.array_equal(epoch1, np.arange(10))
        assert not np.array_equal(epoch1, epoch2)
    else:
        np.testing.assert_array_equal(epoch1, np.arange(10))


def test_callbacks_are_called_in_order_with_logs():
    recorder = Recorder()
    x_val, y_val = blobs(20, seed=5)
    _, history = train(epochs=2, callbacks=[recorder], validation_data=(x_val, y_val))
    kinds = [(kind, index) for kind, index, _ in recorder.calls]
    batches = [("batch_end", b) for b in range(8)]  # 120 samples / 16 = 8 batches
    assert kinds == (
        [("epoch_begin", 0)]
        + batches
        + [("epoch_end", 0), ("epoch_begin", 1)]
        + batches
        + [("epoch_end", 1), ("train_end", None)]
    )
    epoch_end_logs = recorder.calls[9][2]
    assert epoch_end_logs["loss"] == history.history["loss"][0]
    assert epoch_end_logs["val_accuracy"] == history.history["val_accuracy"][0]
    assert recorder.calls[-1][2]["loss"] == history.history["loss"][-1]
    batch_logs = recorder.calls[1][2]
    assert set(batch_logs) == {"loss", "accuracy"} and 0 <= batch_logs["accuracy"] <= 1


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    recorder = Recorder()
    x, y = blobs(40)
    model = mlp()
    history = fit(
        model,
        x,
        y,
        loss=CrossEntropyLoss(),
        optimizer=SGD(model.parameters(), lr=0.1),
        batch_size=16,  # batches of 16, 16, 8
        callbacks=[recorder],
        progress=False,
        rng=0,
    )
    batch_losses = [logs["loss"] for kind, _, logs in recorder.calls if kind == "batch_end"]
    expected = (16 * batch_losses[0] + 16 * batch_losses[1] + 8 * batch_losses[2]) / 40
    assert history.history["loss"][0] == pytest.approx(expected)


def test_a_single_callback_object_and_partial_callbacks_are_accepted():
    class OnlyEnd:
        def __init__(self):
            self.logs = None

        def on_train_end(self, logs):
            self.logs = logs

    callback = OnlyEnd()
    train(epochs=1, callbacks=callback)
    assert set(callback.logs) == {"loss", "accuracy"}


def test_callback_without_hooks_is_rejected():
    with pytest.raises(ValueError, match=r"callbacks\[0\] must have at least one of on_epoch"):
        train(callbacks=[print])


class BlowsUp(Module):
    """A model whose weights become ``value`` at one (epoch, batch), as in divergence."""

    def __init__(self, value, epoch, batch):
        self.linear = Linear(2, 3, rng=0)
        self.value, self.when, self.calls = value, (epoch, batch), 0

    def forward(self, x):
        if self.training:  # fit's checks run one sample in eval mode first
            if divmod(self.calls, 8) == self.when:  # 8 batches per epoch
                self.linear.weight.data[0, 0] = self.value
            self.calls += 1
        return self.linear(x)

    def backward(self, grad_output):
        return self.linear.backward(grad_output)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf in softmax
@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_weights_stop_training_naming_epoch_and_batch(value):
    with pytest.raises(
        FloatingPointError,
        match="became .* at epoch 2 of 3, batch 4 of 8: training diverged.*lower learning rate",
    ):
        train(BlowsUp(value, epoch=1, batch=3), epochs=3)


class InfiniteLoss(CrossEntropyLoss):
    """Cross-entropy that returns infinity on its third call (a diverging loss)."""

    calls = 0

    def forward(self, outputs, targets):
        self.calls += 1
        return np.inf if self.calls == 3 else super().forward(outputs, targets)


def test_non_finite_loss_is_detected_with_isfinite_and_named():
    with pytest.raises(FloatingPointError, match="loss became inf at epoch 1 of 2, batch 3 of 8"):
        train(epochs=2, loss=InfiniteLoss())


class NaNGradient(Module):
    """Identity forward, NaN backward: a buggy layer, not a diverging loss."""

    def forward(self, x):
        return x

    def backward(self, grad_output):
        return np.full_like(grad_output, np.nan)


def test_an_error_inside_a_step_keeps_its_message_and_gains_epoch_and_batch():
    model = Sequential(Linear(2, 3, rng=0), NaNGradient())
    with pytest.raises(ValueError, match="contains NaN") as info:
        train(model, epochs=3)
    assert info.value.__notes__ == [
        "(raised by the model or the loss at epoch 1 of 3, batch 1 of 8)"
    ]


def test_real_divergence_is_reported_as_floating_point_error():
    x, y = blobs()
    model = mlp()
    with (
        warnings.catch_warnings(),
        pytest.raises(FloatingPointError, match="epoch 1 of 2, batch.*lower learning rate"),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow warnings
        fit(
            model,
            x * 1e3,
            y,
            loss=CrossEntropyLoss(),
            optimizer=SGD(model.parameters(), lr=1e36),
            epochs=2,
            progress=False,
            rng=0,
        )


def test_shape_errors_inside_the_model_are_not_disguised():
    model = Sequential(Linear(5, 3, rng=0))
    with pytest.raises(ValueError, match="Linear expected input with 5 features"):
        train(model)


def test_progress_bar_is_shown_or_silenced(capsys):
    train(epochs=2, progress=True)
    shown = capsys.readouterr().err
    assert "epoch 1/2" in shown and "epoch 2/2" in shown and "loss=" in shown
    train(epochs=1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"epochs": -1}, "epochs must be an integer >= 0, got -1"),
        ({"epochs": 1.5}, "epochs must be an integer >= 0, got 1.5"),
        ({"validation_data": np.zeros(3)}, r"validation_data must be a pair \(x_val, y_val\)"),
        ({"validation_data": (np.zeros((3, 2)), [0, 1])}, "x_val and y_val must have the same"),
    ],
)
def test_fit_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(**kwargs)


def test_fit_rejects_mismatched_or_empty_data():
    model = mlp()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(
        ValueError, match="x and y must have the same number of samples, got 4 and 3"
    ):
        fit(model, np.zeros((4, 2)), np.zeros(3, int), loss=CrossEntropyLoss(), optimizer=opt)
    with pytest.raises(ValueError, match=r"x must hold at least one sample, got shape \(0, 2\)"):
        fit(model, np.zeros((0, 2)), np.zeros(0, int), loss=CrossEntropyLoss(), optimizer=opt)
    with pytest.raises(ValueError, match="x contains NaN"):
        fit(model, np.full((2, 2), np.nan), [0, 1], loss=CrossEntropyLoss(), optimizer=opt)
    with pytest.raises(ValueError, match=r"integer class indices.*astype\(int\)"):
        fit(model, np.zeros((2, 2)), [0.0, 1.0], loss=CrossEntropyLoss(), optimizer=opt)


def test_evaluate_matches_an_independent_cross_entropy():
    model = mlp()
    x, y = blobs(50, seed=3)
    logits = model(x)
    expected_loss = -np.mean(log_softmax(logits.astype(np.float64), axis=1)[np.arange(50), y])
    expected_acc = np.mean(logits.argmax(axis=1) == y)
    for batch_size in (7, 256):  # batching must not change the result
        loss, accuracy = evaluate(model, x, y, batch_size=batch_size)
        assert loss == pytest.approx(expected_loss, rel=1e-5)
        assert accuracy == pytest.approx(expected_acc)


@pytest.mark.parametrize("start_in_train_mode", [True, False])
def test_evaluate_and_predict_use_eval_mode_and_restore_it(start_in_train_mode):
    model = Sequential(Linear(2, 8, rng=0), Dropout(0.5, rng=0), Linear(8, 3, rng=1))
    model.train(start_in_train_mode)
    x, y = blobs(40)
    first = predict(model, x, batch_size=16)
    np.testing.assert_array_equal(predict(model, x), first)  # no dropout noise
    evaluate(model, x, y)
    assert model.training == start_in_train_mode and model[1].training == start_in_train_mode
    model.eval()
    np.testing.assert_array_equal(first, model(x).argmax(axis=1))
    assert first.dtype == np.int64 and first.shape == (40,)


def test_eval_mode_restores_mixed_modes_even_after_errors():
    model = Sequential(Linear(2, 2, rng=0), Dropout(0.5))
    model[1].eval()  # mixed: container training, dropout not
    with pytest.raises(KeyError), eval_mode(model):
        assert not model.training
        raise KeyError("boom")
    assert model.training and model[0].training and not model[1].training


def test_predict_validation():
    with pytest.raises(ValueError, match="x must hold at least one sample"):
        predict(mlp(), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"outputs of shape \(N, num_classes\), got \(4, 3, 1\)"):
        predict(Sequential(ReLU()), np.zeros((4, 3, 1)))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        predict(mlp(), np.zeros((2, 2)), batch_size=0)


def test_binary_accuracy_with_bce_and_nan_accuracy_for_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    t = (x[:, :1] + x[:, 1:] > 0).astype(np.float32)  # a linearly separable 0/1 target
    model = Linear(2, 1, rng=0)
    history = fit(
        model,
        x,
        t,
        loss=BCEWithLogitsLoss(),
        optimizer=Adam(model.parameters(), lr=0.1),
        epochs=30,
        progress=False,
        rng=0,
    )
    assert history.history["accuracy"][-1] > 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    model = Linear(2, 1, rng=0)
    history = fit(
        model, x, t, loss=MSELoss(), optimizer=SGD(model.parameters(), lr=0.1), progress=False
    )
    assert math.isnan(history.history["accuracy"][0])
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("needs_input_grad", [True, False])
def test_fit_changes_no_layer_switch_and_equals_the_five_lines_by_hand(needs_input_grad):
    class RecordingConv2d(Conv2d):
        def backward(self, grad_output):
            self.seen.append(self.needs_input_grad)
            return super().backward(grad_output)

    def model_and_data():
        first = RecordingConv2d(1, 2, 3, rng=0)
        first.needs_input_grad, first.seen = needs_input_grad, []
        model = Sequential(Sequential(first, ReLU()), Flatten(), Linear(2 * 4 * 4, 3, rng=1))
        rng = np.random.default_rng(0)
        return model, rng.normal(size=(20, 1, 6, 6)), rng.integers(0, 3, 20)

    model, x, y = model_and_data()
    fit(
        model,
        x,
        y,
        loss=CrossEntropyLoss(),
        optimizer=SGD(model.parameters(), lr=0.1),
        batch_size=8,
        shuffle=False,
        progress=False,
    )
    assert model[0][0].seen == [needs_input_grad] * 3  # what the user set, every step

    # The same three steps by hand: same weights.
    by_hand, x, y = model_and_data()
    loss, optimizer = CrossEntropyLoss(), SGD(by_hand.parameters(), lr=0.1)
    for start in range(0, 20, 8):
        optimizer.zero_grad()
        loss(by_hand(x[start : start + 8]), y[start : start + 8])
        by_hand.backward(loss.backward())
        optimizer.step()
    for ours, theirs in zip(model.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-6)
