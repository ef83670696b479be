"""CIFAR-10 binary archives: synthetic tar.gz files built here, safe member handling."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tarfile

import numpy as np
import pytest

from cnn_lib.datasets import ChecksumError, DatasetNotFoundError, load_cifar10
from cnn_lib.datasets.cifar import read_cifar10_archive
from cnn_lib.datasets.sources import SOURCES

ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
BATCHES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


def record_bytes(images: np.ndarray, labels) -> bytes:
    """CIFAR-10 records spelled out: label byte, then the red, green and blue planes."""
    return b"".join(
        bytes([int(label)]) + image[0].tobytes() + image[1].tobytes() + image[2].tobytes()
        for image, label in zip(images, labels, strict=True)
    )


def make_archive(members: dict[str, bytes], extra=()) -> bytes:
    """A tar.gz holding ``members`` (regular files) plus ``extra`` ready-made TarInfos."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        folder = tarfile.TarInfo(FOLDER)
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def fake_cifar():
    """Two images per training batch and three test images, with known pixels and labels."""
    rng = np.random.default_rng(1)
    images = {
        b: rng.integers(0, 256, (3 if b == "test_batch.bin" else 2, 3, 32, 32)) for b in BATCHES
    }
    images = {b: a.astype(np.uint8) for b, a in images.items()}
    labels = {b: rng.integers(0, 10, len(a)) for b, a in images.items()}
    members = {f"{FOLDER}/{b}": record_bytes(images[b], labels[b]) for b in BATCHES}
    members[f"{FOLDER}/batches.meta.txt"] = b"airplane\nautomobile\n"
    train = [b for b in BATCHES if b.startswith("data_batch")]
    return {
        "archive": make_archive(members),
        "members": members,
        "x_train": np.concatenate([images[b] for b in train]),
        "y_train": np.concatenate([labels[b] for b in train]),
        "x_test": images["test_batch.bin"],
        "y_test": labels["test_batch.bin"],
    }


def test_reads_records_in_batch_order(fake_cifar):
    (x_train, y_train), (x_test, y_test) = read_cifar10_archive(fake_cifar["archive"])
    assert x_train.shape == (10, 3, 32, 32) and x_test.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(x_train, fake_cifar["x_train"])
    np.testing.assert_array_equal(y_train, fake_cifar["y_train"])
    np.testing.assert_array_equal(x_test, fake_cifar["x_test"])
    np.testing.assert_array_equal(y_test, fake_cifar["y_test"])
    assert y_train.dtype == np.int64


def test_red_plane_comes_first():
    image = np.zeros((1, 3, 32, 32), np.uint8)
    image[0, 0, 0, 1] = 200  # red, row 0, column 1
    image[0, 2, 31, 0] = 50  # blue, last row, column 0
    record = bytearray(3073)
    record[0] = 7
    record[1 + 1] = 200
    record[1 + 2 * 1024 + 31 * 32] = 50
    members = {f"{FOLDER}/{b}": bytes(record) for b in BATCHES}
    (x_train, y_train), _ = read_cifar10_archive(make_archive(members))
    np.testing.assert_array_equal(x_train[:1], image)
    assert y_train[0] == 7


def link(name, kind, target="/etc/passwd"):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    ("name", "extra", "reason"),
    [
        ("../evil.bin", (), r"contains '\.\.'"),
        (f"{FOLDER}/../../evil.bin", (), r"contains '\.\.'"),
        ("/tmp/evil.bin", (), "absolute path"),
        (None, (link(f"{FOLDER}/s", tarfile.SYMTYPE),), "a link to '/etc/passwd'"),
        (None, (link(f"{FOLDER}/h", tarfile.LNKTYPE, f"{FOLDER}/test_batch.bin"),), "a link"),
        (None, (link(f"{FOLDER}/fifo", tarfile.FIFOTYPE, ""),), "not a regular file"),
        (None, (link(f"{FOLDER}/dev", tarfile.CHRTYPE, ""),), "not a regular file"),
    ],
)
def test_unsafe_members_are_refused(fake_cifar, name, extra, reason):
    members = dict(fake_cifar["members"])
    if name is not None:
        members[name] = b"\x00" * 3073
    with pytest.raises(ValueError, match=reason):
        read_cifar10_archive(make_archive(members, extra))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("truncate", "corrupt or truncated archive"),
        ("not_gzip", "corrupt or truncated archive"),
        ("missing", "archive lacks cifar-10-batches-bin/data_batch_3.bin"),
        ("short_record", "not a positive multiple of the 3073-byte"),
        ("empty", "not a positive multiple"),
        ("bad_label", r"labels must lie in \[0, 9\]"),
    ],
)
def test_broken_archives_raise_value_error(fake_cifar, change, message):
    members = dict(fake_cifar["members"])
    archive = None
    if change == "truncate":
        archive = fake_cifar["archive"][: len(fake_cifar["archive"]) // 2]
    elif change == "not_gzip":
        archive = b"this is not an archive at all"
    elif change == "missing":
        del members[f"{FOLDER}/data_batch_3.bin"]
    elif change == "short_record":
        members[f"{FOLDER}/test_batch.bin"] += b"\x01"
    elif change == "empty":
        members[f"{FOLDER}/test_batch.bin"] = b""
    elif change == "bad_label":
        members[f"{FOLDER}/test_batch.bin"] = b"\x0a" + bytes(3072)
    with pytest.raises(ValueError, match=message):
        read_cifar10_archive(archive or make_archive(members))


@pytest.fixture
def served_cifar(fake_cifar, http_server, clean_data_env, monkeypatch):
    http_server.add(f"cifar/{ARCHIVE}", fake_cifar["archive"])
    digest = hashlib.sha256(fake_cifar["archive"]).hexdigest()
    source = dataclasses.replace(
        SOURCES["cifar10"], mirrors=(http_server.url + "/cifar",), files={ARCHIVE: digest}
    )
    monkeypatch.setitem(SOURCES, "cifar10", source)
    return http_server, clean_data_env / "cifar10"


def test_load_cifar10_downloads_once_and_converts(fake_cifar, served_cifar):
    server, cache = served_cifar
    for _ in range(2):
        (x_train, y_train), (x_test, y_test) = load_cifar10(progress=False)
        assert x_train.dtype == np.float32 and x_train.shape == (10, 3, 32, 32)
        assert 0.0 <= x_train.min() and x_train.max() <= 1.0
        np.testing.assert_allclose(x_train * 255, fake_cifar["x_train"], atol=1e-4)
        np.testing.assert_allclose(x_test * 255, fake_cifar["x_test"], atol=1e-4)
        assert y_test.dtype == np.int64 and y_test.tolist() == fake_cifar["y_test"].tolist()
    assert server.count() == 1
    assert sorted(p.name for p in cache.iterdir()) == [ARCHIVE]


def test_cifar_checksum_is_checked(fake_cifar, served_cifar, monkeypatch):
    server, cache = served_cifar
    bad = dataclasses.replace(SOURCES["cifar10"], files={ARCHIVE: "f" * 64})
    monkeypatch.setitem(SOURCES, "cifar10", bad)
    with pytest.raises(DatasetNotFoundError, match="SHA-256 mismatch"):
        load_cifar10(progress=False)
    assert list(cache.iterdir()) == []

    cache.joinpath(ARCHIVE).write_bytes(fake_cifar["archive"])  # a copy placed by hand
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        load_cifar10(download=False)
