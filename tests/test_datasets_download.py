"""Downloading, caching and finding data files, against a local HTTP server (no internet)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import socket
from types import SimpleNamespace

import numpy as np
import pytest

from cnn_lib.datasets import (
    ChecksumError,
    DatasetNotFoundError,
    DownloadError,
    data_home,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from cnn_lib.datasets.cache import fetch
from cnn_lib.datasets.download import download
from cnn_lib.datasets.sources import SOURCES

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def idx_raw(array: np.ndarray) -> bytes:
    """Uncompressed IDX bytes of a uint8 array."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_mnist(http_server, clean_data_env, monkeypatch):
    """Tiny MNIST-format files on the local server; the registry points only there."""
    rng = np.random.default_rng(0)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: np.array([3, 1, 4, 1, 5], dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        TEST_LABELS: np.array([9, 2, 6], dtype=np.uint8),
    }
    raw = {name: idx_raw(a) for name, a in arrays.items()}
    for name, data in raw.items():
        http_server.add(f"mnist/{name}", gzip.compress(data))
    source = dataclasses.replace(
        SOURCES["mnist"],
        mirrors=(http_server.url + "/mnist",),
        files={name: sha256(data) for name, data in raw.items()},
    )
    monkeypatch.setitem(SOURCES, "mnist", source)
    return SimpleNamespace(
        arrays=arrays, raw=raw, server=http_server, cache=clean_data_env / "mnist"
    )


def cache_listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def check_fake_arrays(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    assert x_train.shape == (5, 1, 28, 28) and x_test.shape == (3, 1, 28, 28)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(x_train[:, 0] * 255, arrays[TRAIN_IMAGES], atol=1e-4)
    np.testing.assert_allclose(x_test[:, 0] * 255, arrays[TEST_IMAGES], atol=1e-4)
    assert y_train.tolist() == [3, 1, 4, 1, 5] and y_test.tolist() == [9, 2, 6]


def test_download_verifies_and_caches(fake_mnist, capsys):
    result = load_mnist()
    check_fake_arrays(result, fake_mnist.arrays)
    assert fake_mnist.server.count() == 4
    assert cache_listing(fake_mnist.cache) == sorted(fake_mnist.arrays)  # no leftovers
    assert "train-images-idx3-ubyte.gz" in capsys.readouterr().err  # the progress bar

    check_fake_arrays(load_mnist(), fake_mnist.arrays)  # second call: from the cache
    assert fake_mnist.server.count() == 4


def test_progress_can_be_switched_off(fake_mnist, capsys):
    load_mnist(progress=False)
    assert "idx3" not in capsys.readouterr().err


def test_wrong_checksum_leaves_nothing(fake_mnist, monkeypatch):
    files = dict(SOURCES["mnist"].files, **{TEST_IMAGES: "0" * 64})
    monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], files=files))
    with pytest.raises(DatasetNotFoundError, match="SHA-256 mismatch") as info:
        load_mnist()
    assert TEST_IMAGES in str(info.value)
    assert TEST_IMAGES not in cache_listing(fake_mnist.cache)
    assert not [n for n in cache_listing(fake_mnist.cache) if n.endswith(".part")]


@pytest.mark.parametrize("checksum", ["known", None])
def test_server_dying_mid_transfer_leaves_nothing(fake_mnist, monkeypatch, checksum):
    data = gzip.compress(fake_mnist.raw[TEST_IMAGES])
    fake_mnist.server.add(f"mnist/{TEST_IMAGES}", data, send_only=len(data) // 2)
    if checksum is None:  # the length check alone must catch it
        files = dict(SOURCES["mnist"].files, **{TEST_IMAGES: None})
        monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], files=files))
    with pytest.raises(DatasetNotFoundError, match=r"connection closed after \d+ of \d+ bytes"):
        load_mnist()
    assert TEST_IMAGES not in cache_listing(fake_mnist.cache)
    assert not [n for n in cache_listing(fake_mnist.cache) if n.endswith(".part")]


def test_a_file_without_checksum_is_not_verified(fake_mnist, monkeypatch):
    other = gzip.compress(idx_raw(np.array([0, 1, 2, 3, 4], np.uint8)))
    fake_mnist.server.add(f"mnist/{TRAIN_LABELS}", other)
    files = dict(SOURCES["mnist"].files, **{TRAIN_LABELS: None})
    monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], files=files))
    (_, y_train), _ = load_mnist()
    assert y_train.tolist() == [0, 1, 2, 3, 4]


def test_corrupt_gzip_with_right_length_is_refused(fake_mnist):
    data = bytearray(gzip.compress(fake_mnist.raw[TRAIN_LABELS]))
    data[-6] ^= 0xFF
    fake_mnist.server.add(f"mnist/{TRAIN_LABELS}", bytes(data))
    with pytest.raises(DatasetNotFoundError, match="corrupt or truncated gzip"):
        load_mnist()
    assert TRAIN_LABELS not in cache_listing(fake_mnist.cache)


def test_mirrors_are_tried_in_order(fake_mnist, monkeypatch):
    dead = fake_mnist.server.url + "/gone"
    source = dataclasses.replace(SOURCES["mnist"], mirrors=(dead, fake_mnist.server.url + "/mnist"))
    monkeypatch.setitem(SOURCES, "mnist", source)
    check_fake_arrays(load_mnist(), fake_mnist.arrays)
    assert fake_mnist.server.count(f"gone/{TRAIN_IMAGES}") == 1
    assert fake_mnist.server.count(f"mnist/{TRAIN_IMAGES}") == 1


def test_every_mirror_failing_lists_each_reason(fake_mnist, monkeypatch):
    source = dataclasses.replace(SOURCES["mnist"], mirrors=(fake_mnist.server.url + "/gone",))
    monkeypatch.setitem(SOURCES, "mnist", source)
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert f"{fake_mnist.server.url}/gone/{TRAIN_IMAGES}: HTTP 404" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_base_url_and_environment_variables(fake_mnist, monkeypatch, tmp_path):
    dead = dataclasses.replace(SOURCES["mnist"], mirrors=("http://127.0.0.1:9/nothing",))
    monkeypatch.setitem(SOURCES, "mnist", dead)
    url = fake_mnist.server.url
    check_fake_arrays(load_mnist(root=tmp_path / "a", base_url=url + "/mnist/"), fake_mnist.arrays)

    monkeypatch.setenv("CNN_LIB_MNIST_URL", url + "/mnist")
    check_fake_arrays(load_mnist(root=tmp_path / "b"), fake_mnist.arrays)

    # The generic variable names a mirror laid out like the cache: <url>/<folder>/<file>.
    monkeypatch.delenv("CNN_LIB_MNIST_URL")
    monkeypatch.setenv("CNN_LIB_DATA_URL", url)
    check_fake_arrays(load_mnist(root=tmp_path / "c"), fake_mnist.arrays)
    assert fake_mnist.server.count() == 12


def test_urls_must_be_http(fake_mnist, monkeypatch):
    with pytest.raises(ValueError, match="base_url must be an http"):
        load_mnist(base_url="ftp://example.org/mnist")
    monkeypatch.setenv("CNN_LIB_MNIST_URL", "/some/folder")
    with pytest.raises(ValueError, match="CNN_LIB_MNIST_URL must be an http"):
        load_mnist()


def test_data_home_resolution(monkeypatch, tmp_path, clean_data_env):
    assert data_home() == clean_data_env
    assert data_home(tmp_path / "r") == tmp_path / "r"
    monkeypatch.setenv("CNN_LIB_DATA", str(tmp_path / "env"))
    assert data_home() == tmp_path / "env"
    assert data_home("~/x") == data_home("~/x").expanduser()
    monkeypatch.delenv("CNN_LIB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: ignore
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_home() == tmp_path / "home" / ".cache" / "cnn_lib"


def test_root_and_cnn_lib_data_choose_the_cache(fake_mnist, monkeypatch, tmp_path):
    load_mnist(root=tmp_path / "mine")
    assert cache_listing(tmp_path / "mine" / "mnist") == sorted(fake_mnist.arrays)
    monkeypatch.setenv("CNN_LIB_DATA", str(tmp_path / "env"))
    load_mnist()
    assert cache_listing(tmp_path / "env" / "mnist") == sorted(fake_mnist.arrays)


def test_offline_error_explains_what_to_do(clean_data_env, monkeypatch):
    source = dataclasses.replace(SOURCES["fashion_mnist"], system_dirs=("/nonexistent/fm",))
    monkeypatch.setitem(SOURCES, "fashion_mnist", source)
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(download=False)
    assert isinstance(info.value, DatasetNotFoundError)
    message = str(info.value)
    for expected in (
        "Fashion-MNIST files not found",
        TRAIN_IMAGES,
        TEST_LABELS,
        str(clean_data_env / "fashion_mnist"),
        "/nonexistent/fm",
        "download=False",
        "root=",
        "CNN_LIB_DATA",
        "CNN_LIB_FASHION_MNIST_URL",
        "apt-get install dataset-fashion-mnist",
    ):
        assert expected in message


def test_unreachable_server_is_a_clean_not_found_error(fake_mnist):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DatasetNotFoundError, match="cannot connect") as info:
        load_mnist(base_url=f"http://127.0.0.1:{port}")
    assert f"http://127.0.0.1:{port}/{TRAIN_IMAGES}" in str(info.value)
    assert info.value.__suppress_context__
    assert cache_listing(fake_mnist.cache) == []


def test_system_copy_is_used_without_downloading(fake_mnist, monkeypatch, tmp_path):
    system = tmp_path / "usr-share"
    system.mkdir()
    for name, data in fake_mnist.raw.items():
        (system / name).write_bytes(gzip.compress(data))
    source = dataclasses.replace(SOURCES["mnist"], system_dirs=(str(system),))
    monkeypatch.setitem(SOURCES, "mnist", source)
    check_fake_arrays(load_mnist(), fake_mnist.arrays)
    assert fake_mnist.server.count() == 0


def test_root_may_hold_uncompressed_files_directly(fake_mnist, tmp_path):
    for name, data in fake_mnist.raw.items():
        (tmp_path / name.removesuffix(".gz")).write_bytes(data)
    check_fake_arrays(load_mnist(root=tmp_path, download=False), fake_mnist.arrays)
    assert fake_mnist.server.count() == 0


def test_corrupt_cached_file_is_reported(fake_mnist):
    load_mnist()
    (fake_mnist.cache / TRAIN_LABELS).write_bytes(gzip.compress(idx_raw(np.zeros(5, np.uint8))))
    with pytest.raises(ChecksumError, match="Delete .* to re-download") as info:
        load_mnist()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("name", "array", "message"),
    [
        (TRAIN_LABELS, np.zeros(4, np.uint8), "expected 5 labels"),
        (TRAIN_IMAGES, np.zeros((5, 784), np.uint8), r"shape \(N, H, W\)"),
        (TRAIN_LABELS, np.full(5, 10, np.uint8), r"labels must lie in \[0, 9\]"),
    ],
)
def test_inconsistent_files_are_refused(fake_mnist, monkeypatch, name, array, message):
    raw = idx_raw(array)
    fake_mnist.server.add(f"mnist/{name}", gzip.compress(raw))
    files = dict(SOURCES["mnist"].files, **{name: sha256(raw)})
    monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], files=files))
    with pytest.raises(ValueError, match=message):
        load_mnist()


def test_download_timeout_and_interrupt_leave_nothing(http_server, tmp_path):
    http_server.add("slow.bin", b"x" * 100, stall=1.0)
    with pytest.raises(DownloadError, match="timed out"):
        download([http_server.url + "/slow.bin"], tmp_path / "slow.bin", timeout=0.2)

    http_server.add("ok.bin", b"payload")

    def interrupted(path):
        raise KeyboardInterrupt  # e.g. Ctrl-C while verifying

    with pytest.raises(KeyboardInterrupt):
        download([http_server.url + "/ok.bin"], tmp_path / "ok.bin", verify=interrupted)
    assert list(tmp_path.iterdir()) == []

    with pytest.raises(ValueError, match="at least one URL"):
        download([], tmp_path / "none.bin")


def test_real_mnist_test_files_download_and_verify(
    shared_data, http_server, clean_data_env, monkeypatch
):
    folder = shared_data / "mnist"
    if not (folder / TEST_IMAGES).is_file():
        pytest.skip(f"real MNIST test files not found in {folder}")
    for name in (TEST_IMAGES, TEST_LABELS):
        http_server.add(f"real/{name}", (folder / name).read_bytes())
    # The registry's own (official) checksums for the test files must accept the real data.
    real = SOURCES["mnist"]
    source = dataclasses.replace(
        real, files={n: real.files[n] for n in (TEST_IMAGES, TEST_LABELS)}, system_dirs=()
    )
    monkeypatch.setitem(SOURCES, "mnist", source)
    paths = fetch("mnist", base_url=http_server.url + "/real", progress=False)
    assert read_idx(paths[TEST_IMAGES]).shape == (10000, 28, 28)
    assert read_idx(paths[TEST_LABELS]).shape == (10000,)
    assert http_server.count() == 2
