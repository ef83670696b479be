"""Real-data check: the real MNIST test set reads correctly, and a small LeNet learns it.

Uses the shared, read-only copy in ``../shared/data/mnist/`` (skipped when absent).
Trains on the first 8,000 test images and evaluates on the last 2,000.
"""

from __future__ import annotations

import gzip
import hashlib
import time

import numpy as np
import pytest

from cnn_lib.datasets.idx import read_idx

IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
# Checksums of the decompressed files, from ../shared/data/README.md (MD5s are the official ones).
SHA256 = {
    IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MD5 = {IMAGES: "2646ac647ad5339dbf082846283269ea", LABELS: "27ae3e4e09519cfbb04c329615203637"}


@pytest.fixture
def mnist_dir(shared_data):
    folder = shared_data / "mnist"
    if not (folder / IMAGES).is_file() or not (folder / LABELS).is_file():
        pytest.skip(f"real MNIST test files not found in {folder}")
    return folder


def test_real_files_match_official_checksums_and_parse(mnist_dir):
    for name in (IMAGES, LABELS):
        raw = gzip.decompress((mnist_dir / name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == SHA256[name]
        assert hashlib.md5(raw).hexdigest() == MD5[name]

    images, labels = read_idx(mnist_dir / IMAGES), read_idx(mnist_dir / LABELS)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    # The same pixels as a direct read past MNIST's fixed 16-byte image header.
    raw_images = gzip.decompress((mnist_dir / IMAGES).read_bytes())
    np.testing.assert_array_equal(images.ravel(), np.frombuffer(raw_images, np.uint8, offset=16))
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]  # the famous first test digits
    assert set(np.unique(labels).tolist()) == set(range(10))


@pytest.mark.slow
def test_lenet_reaches_98_percent_on_real_mnist(mnist_dir, record_property):
    from cnn_lib.layers.activations import ReLU
    from cnn_lib.layers.conv import Conv2d
    from cnn_lib.layers.linear import Flatten, Linear
    from cnn_lib.layers.pooling import MaxPool2d
    from cnn_lib.layers.sequential import Sequential
    from cnn_lib.losses import CrossEntropyLoss
    from cnn_lib.optim import Adam
    from cnn_lib.training import evaluate, fit

    x = read_idx(mnist_dir / IMAGES)[:, None].astype(np.float32) / 255
    y = read_idx(mnist_dir / LABELS).astype(np.int64)
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]

    rng = np.random.default_rng(0)
    model = Sequential(  # LeNet-5 style: (N, 1, 28, 28) -> (N, 10)
        Conv2d(1, 6, 5, padding=2, rng=rng),  # -> (N, 6, 28, 28)
        ReLU(),
        MaxPool2d(2),  # -> (N, 6, 14, 14)
        Conv2d(6, 16, 5, rng=rng),  # -> (N, 16, 10, 10)
        ReLU(),
        MaxPool2d(2),  # -> (N, 16, 5, 5)
        Flatten(),
        Linear(16 * 5 * 5, 120, rng=rng),
        ReLU(),
        Linear(120, 10, rng=rng),
    )
    start = time.perf_counter()
    # 8 epochs of Adam, lowering the learning rate in steps for a stable finish.
    for phase, (lr, epochs) in enumerate([(2e-3, 5), (5e-4, 2), (1e-4, 1)]):
        optimizer = Adam(model.parameters(), lr=lr)
        fit(
            model,
            x_train,
            y_train,
            loss=CrossEntropyLoss(),
            optimizer=optimizer,
            epochs=epochs,
            batch_size=32,
            rng=1 + phase,
            progress=False,
        )
    _, accuracy = evaluate(model, x_test, y_test)
    seconds = time.perf_counter() - start
    record_property("test_accuracy", accuracy)
    record_property("train_seconds", round(seconds, 1))
    print(f"LeNet on real MNIST: test accuracy {accuracy:.4f} after {seconds:.0f} s")
    assert accuracy >= 0.98
