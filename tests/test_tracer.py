"""The network tracer: closed-form shapes, parameter counts and receptive fields,
checked against running the model and against brute-force gradient supports."""

import matplotlib
import numpy as np
import pytest

from cnn_lib.layers.activations import ReLU, Tanh
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.module import Module
from cnn_lib.layers.pooling import AvgPool2d, MaxPool2d
from cnn_lib.layers.sequential import Sequential
from cnn_lib.tracer import trace
from cnn_lib.tracer_report import plot_trace, summary

matplotlib.use("Agg")


def lenet():
    return Sequential(
        Conv2d(1, 6, kernel_size=5, padding=2, rng=0),
        ReLU(),
        MaxPool2d(2),
        Conv2d(6, 16, kernel_size=5, rng=1),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(400, 120, rng=2),
        ReLU(),
        Linear(120, 84, rng=3),
        Tanh(),
        Linear(84, 10, rng=4),
    )


MODELS = {
    "lenet": (lenet, (1, 28, 28)),
    "strided-dilated": (
        lambda: Sequential(
            Conv2d(3, 4, kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=2, rng=0),
            ReLU(),
            AvgPool2d(3, stride=2),
            Conv2d(4, 5, kernel_size=4, padding="same", rng=1),
        ),
        (3, 23, 18),
    ),
    "nested": (
        lambda: Sequential(
            Sequential(Conv2d(2, 3, 3, rng=0), ReLU()),
            Sequential(Sequential(MaxPool2d(2, stride=1), Dropout(0.5, rng=0))),
            Flatten(),
            Linear(3 * 7 * 5, 4, rng=1),
        ),
        (2, 10, 8),
    ),
    "mlp": (lambda: Sequential(Linear(6, 5, rng=0), ReLU(), Linear(5, 2, rng=1)), (6,)),
}


def leaves(model):
    for layer in model:
        if isinstance(layer, Sequential):
            yield from leaves(layer)
        else:
            yield layer


@pytest.mark.parametrize("name", MODELS)
def test_shapes_params_and_memory_match_running_the_model(name):
    make, shape = MODELS[name]
    model = make().eval()
    rows = trace(model, shape)
    h = np.zeros((2, *shape), dtype=np.float32)
    layers = list(leaves(model))
    assert len(rows) == len(layers)
    for row, layer in zip(rows, layers, strict=True):
        h = layer(h)
        assert row.output_shape == h.shape[1:], row
        assert row.params == sum(p.data.size for p in layer.parameters())
        assert row.bytes == h[0].astype(np.float32).nbytes
        assert row.name == repr(layer)
    assert summary(model, shape).total_params == sum(p.data.size for p in model.parameters())


def test_lenet_parameter_count_by_hand_and_nested_indices():
    s = summary(lenet(), (1, 28, 28))
    by_hand = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + 850
    assert s.total_params == by_hand
    rows = trace(MODELS["nested"][0](), (2, 10, 8))
    assert [r.index for r in rows] == ["0.0", "0.1", "1.0.0", "1.0.1", "2", "3"]


def brute_force_receptive_field(model, shape):
    """Bounding box of the input pixels that influence one central output unit.

    Positive weights and biases and a positive input keep every ReLU open and
    every average positive, so no path cancels to an accidental zero.
    """
    for p in model.parameters():
        p.data = np.abs(p.data).astype(np.float64) + 0.1
    x = np.random.default_rng(0).uniform(0.5, 1.5, (1, *shape))
    y = model(x)
    g = np.zeros_like(y)
    g[0, 0, y.shape[2] // 2, y.shape[3] // 2] = 1.0
    dx = model.backward(g)
    rows, cols = np.nonzero(np.abs(dx[0]).sum(axis=0))
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


RF_STACKS = [
    (lambda: Sequential(Conv2d(1, 1, 3, rng=0)), (1, 9, 9)),
    (lambda: Sequential(Conv2d(1, 2, 3, rng=0), ReLU(), Conv2d(2, 1, 3, rng=1)), (1, 11, 11)),
    (lambda: Sequential(Conv2d(1, 2, (3, 5), stride=2, rng=0), AvgPool2d(2)), (1, 21, 25)),
    (
        lambda: Sequential(
            Conv2d(1, 2, 3, dilation=2, padding=2, rng=0),
            AvgPool2d(3, stride=2),
            Sequential(Conv2d(2, 1, 3, stride=2, rng=1), ReLU()),
        ),
        (1, 41, 37),
    ),
    (
        lambda: Sequential(AvgPool2d(2), Conv2d(1, 1, 2, dilation=3, rng=0), AvgPool2d(3, 1)),
        (1, 30, 30),
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", range(len(RF_STACKS)))
def test_receptive_field_matches_gradient_support(case):
    make, shape = RF_STACKS[case]
    rows = trace(make(), shape)
    assert rows[-1].receptive_field == brute_force_receptive_field(make(), shape)


def test_receptive_field_and_jump_by_hand():
    rows = trace(lenet(), (1, 28, 28))
    # 5x5 conv: 5; pool 2: 5 + 1 = 6, jump 2; 5x5 conv: 6 + 4*2 = 14; pool: 14 + 2 = 16, jump 4
    assert [r.receptive_field for r in rows[:6]] == [(5, 5), (5, 5), (6, 6), (14, 14), (14, 14),
                                                      (16, 16)]  # fmt: skip
    assert rows[5].jump == (4, 4)
    assert rows[6].receptive_field is None and rows[6].rf_text == "all"


def test_summary_text_and_html():
    s = summary(lenet(), (1, 28, 28))
    text = str(s)
    assert "61,706" in text and "16x5x5" in text and "all" in text
    page = s._repr_html_()
    assert page.count("<tr>") == len(s.rows) + 1 and "http" not in page
    assert s.activation_bytes == sum(r.bytes for r in s.rows)


def test_plot_trace_draws_one_block_per_stage():
    model = lenet()
    fig = plot_trace(model, (1, 28, 28))
    assert len(fig.axes[0].patches) == len(model) + 1  # the input too
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"1x28x28", "16x5x5", "10"} <= labels


def test_validation_messages():
    with pytest.raises(ValueError, match="drop the batch axis"):
        trace(lenet(), (8, 1, 28, 28))
    with pytest.raises(ValueError, match="expected input with 1 channels, got 3"):
        trace(lenet(), (3, 28, 28))
    with pytest.raises(ValueError, match="400 features, got shape"):
        trace(lenet(), (1, 32, 32))
    with pytest.raises(ValueError, match="must be a Sequential"):
        trace(Conv2d(1, 1, 3), (1, 5, 5))
    with pytest.raises(ValueError, match="input_shape"):
        trace(lenet(), (1, 0, 28))

    class Mystery(Module):
        pass

    with pytest.raises(ValueError, match="does not know how Mystery"):
        trace(Sequential(Mystery()), (1, 5, 5))
    with pytest.raises(ValueError, match="add a Flatten"):
        trace(Sequential(Linear(4, 2)), (1, 2, 2))
