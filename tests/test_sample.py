"""The embedded Fashion-MNIST sample, its provenance, and class_names."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from cnn_lib.datasets import class_names, load_sample
from cnn_lib.datasets import sample as sample_module
from cnn_lib.datasets.arrays import as_labels

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_sample.py"


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_shapes_dtypes_and_range(sample):
    (x_train, y_train), (x_test, y_test) = sample
    assert x_train.shape == (6000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert y_train.shape == (6000,) and y_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        # Every value is a whole number of 255ths: converted from uint8 pixels.
        np.testing.assert_allclose(x * 255, np.round(x * 255), atol=1e-4)


def test_classes_are_balanced_and_shuffled(sample):
    (_, y_train), (_, y_test) = sample
    assert np.bincount(y_train, minlength=10).tolist() == [600] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10
    # Shuffled: the first 100 training labels already contain every class.
    assert set(y_train[:100].tolist()) == set(range(10))


def test_file_is_small_and_checksum_is_recorded():
    data = sample_module.SAMPLE_FILE.read_bytes()
    assert len(data) <= 5_000_000
    assert hashlib.sha256(data).hexdigest() == sample_module.SAMPLE_SHA256
    licence = sample_module.SAMPLE_FILE.parent / "LICENSE-fashion-mnist.txt"
    assert "Zalando SE" in licence.read_text() and "MIT" in licence.read_text()


def test_tampered_copy_fails_verification(tmp_path, monkeypatch):
    data = bytearray(sample_module.SAMPLE_FILE.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "sample.npz"
    tampered.write_bytes(bytes(data))
    monkeypatch.setattr(sample_module, "SAMPLE_FILE", tampered)
    with pytest.raises(ValueError, match="SHA-256 mismatch.*modified"):
        load_sample()


def test_missing_file_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_module, "SAMPLE_FILE", tmp_path / "gone.npz")
    with pytest.raises(FileNotFoundError, match="reinstall cnn_lib"):
        load_sample()


def debian_split(prefix):
    """Debian's Fashion-MNIST files, parsed directly (fixed 16/8-byte MNIST headers)."""
    images = gzip.decompress((DEBIAN / f"{prefix}-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((DEBIAN / f"{prefix}-labels-idx1-ubyte.gz").read_bytes())
    return (
        np.frombuffer(images, np.uint8, offset=16).reshape(-1, 28, 28),
        np.frombuffer(labels, np.uint8, offset=8),
    )


needs_debian = pytest.mark.skipif(
    not (DEBIAN / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"Debian's dataset-fashion-mnist not installed ({DEBIAN})",
)


@needs_debian
def test_images_are_the_originals_at_the_recorded_rows(sample):
    with np.load(sample_module.SAMPLE_FILE) as npz:
        index = {split: npz[f"index_{split}"] for split in ("train", "test")}
    for (x, y), split, prefix in zip(sample, ("train", "test"), ("train", "t10k"), strict=True):
        images, labels = debian_split(prefix)
        rows = index[split]
        assert len(np.unique(rows)) == len(rows)  # no image twice
        np.testing.assert_allclose(x[:, 0] * 255, images[rows], atol=1e-4)
        np.testing.assert_array_equal(y, labels[rows])


@needs_debian
def test_make_sample_reproduces_the_shipped_file():
    spec = importlib.util.spec_from_file_location("make_sample", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rebuilt = script.npz_bytes(script.build(DEBIAN))
    assert rebuilt == sample_module.SAMPLE_FILE.read_bytes()


def test_class_names():
    assert class_names("fashion_mnist")[0] == "T-shirt/top"
    assert class_names("Fashion-MNIST") == class_names("sample")
    assert class_names("mnist") == [str(d) for d in range(10)]
    assert class_names("cifar10")[1] == "automobile"
    assert all(len(class_names(d)) == 10 for d in ("mnist", "fashion_mnist", "cifar10"))
    names = class_names("mnist")
    names[0] = "changed"
    assert class_names("mnist")[0] == "0"  # a fresh list each time
    with pytest.raises(ValueError, match="dataset must be one of .*got 'imagenet'"):
        class_names("imagenet")
    with pytest.raises(ValueError, match="dataset must be one of"):
        class_names(3)


def test_labels_must_be_one_dimensional():
    with pytest.raises(ValueError, match=r"labels must be 1-D \(N,\), got shape \(2, 1\)"):
        as_labels(np.zeros((2, 1), np.uint8), 10, "labels.bin")
