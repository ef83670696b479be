"""End to end: a small CNN can memorise 64 random images with random labels.

Random labels carry no pattern, so reaching 100% training accuracy proves that
forward, backward, loss and optimizer fit together (the classic "can it
overfit a tiny batch?" sanity check). It takes well under a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.linear import Flatten, Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD, Adam
from cnn_lib.training import evaluate, fit

conv = pytest.importorskip("cnn_lib.layers.conv")
pooling = pytest.importorskip("cnn_lib.layers.pooling")


def random_images(seed):
    rng = np.random.default_rng(seed)
    return rng.random((64, 1, 12, 12), dtype=np.float32), rng.integers(0, 10, 64)


def small_cnn(seed, dropout=0.0):
    return Sequential(
        conv.Conv2d(1, 8, 3, padding=1, rng=seed),
        ReLU(),
        pooling.MaxPool2d(2),
        Flatten(),
        Dropout(dropout, rng=seed),
        Linear(8 * 6 * 6, 10, rng=seed + 1),
    )


@pytest.mark.parametrize(
    ("make_optimizer", "dropout"),
    [
        (lambda ps: Adam(ps, lr=1e-2), 0.0),
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9), 0.0),
        (lambda ps: Adam(ps, lr=1e-2), 0.2),
    ],
    ids=["adam", "sgd_momentum", "adam_dropout"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_small_cnn_memorises_64_random_images(make_optimizer, dropout, seed):
    x, y = random_images(seed)
    model = small_cnn(seed, dropout)
    initial_loss, initial_accuracy = evaluate(model, x, y)
    assert initial_accuracy < 0.4  # chance is 0.1: nothing is known before training
    history = fit(
        model,
        x,
        y,
        loss=CrossEntropyLoss(),
        optimizer=make_optimizer(model.parameters()),
        epochs=40,
        batch_size=16,
        progress=False,
        rng=seed,
    )
    loss, accuracy = evaluate(model, x, y)
    assert accuracy == 1.0
    assert loss < 0.2 * initial_loss
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model[0].weight.data.dtype == np.float32  # trained in float32 throughout
