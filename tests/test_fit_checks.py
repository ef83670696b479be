"""``fit`` refuses bad arguments and bad data before the first step, saying what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.linear import Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import CrossEntropyLoss, MSELoss
from cnn_lib.optim import SGD
from cnn_lib.training import fit


class StepCounter(SGD):
    """SGD that counts its steps: the checks must come before the first one."""

    steps = 0

    def step(self):
        self.steps += 1
        super().step()


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)).astype(np.float32), rng.integers(0, 3, n)


def run(x=None, y=None, **kwargs):
    model = kwargs.pop("model", None) or Sequential(
        Linear(2, 4, rng=0), ReLU(), Linear(4, 3, rng=1)
    )
    default_x, default_y = data()
    options = {
        "loss": CrossEntropyLoss(),
        "optimizer": StepCounter(model.parameters(), lr=0.1),
        "batch_size": 4,
        "progress": False,
    }
    options.update(kwargs)
    optimizer = options["optimizer"]
    try:
        fit(model, default_x if x is None else x, default_y if y is None else y, **options)
    finally:
        if isinstance(optimizer, StepCounter):
            assert optimizer.steps == 0, "fit stepped before refusing its input"


def with_bad(array, index, value):
    array = array.copy()
    array[index] = value
    return array


X, Y = data()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": with_bad(X, (11, 1), np.nan)}, r"x contains NaN"),
        ({"x": with_bad(X, (5, 0), np.inf)}, r"the inputs x contains NaN or infinite"),
        ({"y": with_bad(Y, 11, 3)}, r"y holds labels from 0 to 3, but the model outputs 3"),
        ({"y": with_bad(Y, 0, -1)}, r"y holds labels from -1 to 2"),
        ({"y": Y.astype(float)}, r"y must be a 1-D array of integer class indices.*float64"),
        ({"y": Y[:, None]}, r"y must be a 1-D array of integer class indices.*shape \(12, 1\)"),
        ({"y": Y[:-1]}, r"x and y must have the same number of samples, got 12 and 11"),
        (
            {"validation_data": (X, with_bad(Y, 11, 7))},
            r"y_val holds labels from 0 to 7, but the model outputs 3",
        ),
        (
            {"validation_data": (with_bad(X, (0, 0), np.nan), Y)},
            r"x_val contains NaN",
        ),
        ({"validation_data": (X, Y[:3])}, r"x_val and y_val must have the same number"),
    ],
)
def test_bad_data_is_refused_before_the_first_step(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(**kwargs)


def test_the_last_sample_is_checked_too():
    # A scan that stopped early (e.g. only the first batch) would miss it.
    with pytest.raises(ValueError, match="labels from 0 to 9"):
        run(y=with_bad(Y, -1, 9))


def test_non_finite_regression_targets_are_refused():
    model = Linear(2, 1, rng=0)
    y = with_bad(np.zeros((12, 1)), (11, 0), np.inf)
    with pytest.raises(ValueError, match="the targets y contains NaN or infinite"):
        run(y=y, model=model, loss=MSELoss(), optimizer=StepCounter(model.parameters(), lr=0.1))


def test_weights_that_are_already_nan_are_named():
    model = Sequential(Linear(2, 3, rng=0))
    model[0].weight.data[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"weights are not finite before training.*'0.weight'"):
        run(model=model, optimizer=StepCounter(model.parameters(), lr=0.1))


def test_a_ragged_list_of_samples_gets_a_clear_message():
    ragged = [[0.0, 1.0], [2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match=r"x must be a rectangular array.*ragged list"):
        run(x=ragged, y=[0, 1, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"loss": CrossEntropyLoss},
            r"loss must be an instance, got the class CrossEntropyLoss.*parentheses",
        ),
        ({"optimizer": SGD}, r"optimizer must be an instance, got the class SGD"),
        ({"optimizer": None}, r"optimizer must be an object with zero_grad and step.*got None"),
        ({"callbacks": print}, r"callbacks must be a list of objects.*on_epoch_end"),
    ],
)
def test_common_mistakes_in_the_arguments_get_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(**kwargs)


class Recorder:
    def __init__(self):
        self.ended = []

    def on_train_end(self, logs):
        self.ended.append(dict(logs))


def test_on_train_end_runs_when_an_error_stops_training():
    class Fails(CrossEntropyLoss):
        calls = 0

        def forward(self, outputs, targets):
            self.calls += 1
            if self.calls == 5:  # second batch of the second epoch
                raise RuntimeError("disk full")
            return super().forward(outputs, targets)

    recorder, model = Recorder(), Sequential(Linear(2, 3, rng=0))
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(RuntimeError, match="disk full"):
        run(model=model, loss=Fails(), optimizer=optimizer, epochs=3, callbacks=[recorder])
    assert len(recorder.ended) == 1
    assert set(recorder.ended[0]) == {"loss", "accuracy"}  # the first epoch's logs
