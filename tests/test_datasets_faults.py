"""Data loading under faults: decompression bombs, slow, endless and lying servers.

Every server here listens on 127.0.0.1 only, and every fault is bounded (a
drip lasts a few seconds at most, an "endless" body stops after 16 MiB), so a
regression makes a test fail rather than hang.
"""

from __future__ import annotations

import dataclasses
import gzip
import http.server
import io
import os
import tarfile
import threading
import time
import tracemalloc
import zlib

import numpy as np
import pytest

from cnn_lib.datasets import DatasetNotFoundError, DownloadError, load_mnist, read_idx
from cnn_lib.datasets.cifar import read_cifar10_archive
from cnn_lib.datasets.download import download
from cnn_lib.datasets.sources import SOURCES

TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", TEST_IMAGES, TEST_LABELS)
ENDLESS_LIMIT = 16 << 20  # the "endless" server gives up after this much
DRIP_DELAY = 0.05  # seconds between two bytes of a dripping server
JUNK = 64 << 20  # uncompressed size of the bombs (they are ~64 KiB on disk)
BATCH_BYTES = 10_000 * (1 + 3 * 32 * 32)  # a CIFAR-10 batch: 10,000 records of 3073 bytes


def idx_raw(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def gzip_bomb(announced_items: int = 10, junk: int = JUNK) -> bytes:
    """A gzip IDX file whose header announces ``announced_items`` bytes, then ``junk`` zeros."""
    header = bytes([0, 0, 0x08, 1]) + np.array([announced_items], dtype=">u4").tobytes()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
    zeros = bytes(1 << 20)
    parts = [compressor.compress(header)]
    parts += [compressor.compress(zeros) for _ in range(junk >> 20)]
    return b"".join(parts) + compressor.flush()


def peak_memory(function, *args, **kwargs):
    """Run ``function``; return ``(exception or None, peak traced bytes)``."""
    tracemalloc.start()
    try:
        function(*args, **kwargs)
        error = None
    except Exception as err:  # noqa: BLE001 - the caller inspects it
        error = err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, peak


# --- decompression bombs ------------------------------------------------------


def test_idx_bomb_stops_at_the_announced_size(tmp_path):
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(gzip_bomb())
    assert path.stat().st_size < 1 << 20
    error, peak = peak_memory(read_idx, path)
    assert isinstance(error, ValueError), error
    assert "bomb-idx1-ubyte.gz" in str(error) and "more data than" in str(error)
    assert peak < 4 << 20, f"read_idx held {peak / 2**20:.0f} MiB of a 10-byte file"


def test_header_announcing_more_than_allowed_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge-idx1-ubyte.gz"
    path.write_bytes(gzip_bomb(announced_items=2**31, junk=0))
    error, peak = peak_memory(read_idx, path)
    assert isinstance(error, ValueError) and "truncated" in str(error)
    assert peak < 1 << 20
    path.write_bytes(gzip.compress(idx_raw(np.arange(100))))
    with pytest.raises(ValueError, match=r"needs 108 bytes in all, the file has at most 50"):
        read_idx(path, max_bytes=50)
    assert read_idx(path, max_bytes=108).tolist() == list(range(100))


@pytest.fixture
def cached_mnist(tmp_path, clean_data_env, monkeypatch):
    """A cache folder holding tiny MNIST files; checksums off so the content decides."""
    folder = clean_data_env / "mnist"
    folder.mkdir(parents=True)
    for name in NAMES:
        array = np.zeros((2, 28, 28)) if "images" in name else np.array([1, 2])
        (folder / name).write_bytes(gzip.compress(idx_raw(array)))
    source = dataclasses.replace(
        SOURCES["mnist"], mirrors=("http://127.0.0.1:9/unused",), files=dict.fromkeys(NAMES)
    )
    monkeypatch.setitem(SOURCES, "mnist", source)
    return folder


def test_loader_refuses_a_bomb_in_the_cache(cached_mnist):
    (cached_mnist / TEST_LABELS).write_bytes(gzip_bomb(announced_items=2))
    error, peak = peak_memory(load_mnist, download=False)
    assert isinstance(error, ValueError), error
    assert TEST_LABELS in str(error) and "more data than" in str(error)
    assert peak < 8 << 20, f"load_mnist held {peak / 2**20:.0f} MiB for tiny files"


def test_loader_refuses_a_file_larger_than_its_known_size(cached_mnist, monkeypatch):
    source = dataclasses.replace(SOURCES["mnist"], sizes={TEST_LABELS: 8 + 1})
    monkeypatch.setitem(SOURCES, "mnist", source)
    with pytest.raises(ValueError, match=rf"{TEST_LABELS}.*needs 10 bytes.*at most 9"):
        load_mnist(download=False)


class Zeros:
    """A file-like object that reads as endless zeros (tarfile reads ``size`` bytes of it)."""

    def read(self, size=-1):
        return bytes(max(size, 0))


def tar_gz(members: dict[str, int]) -> bytes:
    """A tar.gz whose members (name -> size) hold only zeros."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, size in members.items():
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, Zeros())
    return buffer.getvalue()


@pytest.mark.parametrize("member", ["cifar-10-batches-bin/data_batch_1.bin", "readme.html"])
def test_cifar_member_larger_than_a_batch_is_refused_before_reading(member):
    archive = tar_gz({member: BATCH_BYTES + 3073})
    assert len(archive) < 1 << 20
    error, peak = peak_memory(read_cifar10_archive, archive)
    assert isinstance(error, ValueError), error
    assert member in str(error) and "more than a CIFAR-10 batch" in str(error)
    assert peak < 8 << 20, f"read {peak / 2**20:.0f} MiB of a refused member"


# --- servers that misbehave ------------------------------------------------------


class FaultServer:
    """Serves ``files[path]`` in a ``modes[path]`` way; counts the bytes it sent."""

    def __init__(self, url):
        self.url, self.files, self.modes, self.sent = url, {}, {}, {}

    def add(self, path, data, mode="normal"):
        self.files[path], self.modes[path] = data, mode


def _send(handler, state, path):
    data, mode = state.files[path], state.modes[path]
    handler.send_response(200)
    if mode == "announce-huge":
        handler.send_header("Content-Length", str(10**12))
    elif mode != "endless":  # endless: no length, the body ends when the connection does
        handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if mode == "drip":  # one byte at a time: a slow server, not a dead one
        pieces, delay = [data[i : i + 1] for i in range(len(data))], DRIP_DELAY
    elif mode == "endless":
        pieces, delay = [bytes(1 << 16)] * (ENDLESS_LIMIT >> 16), 0.0
    else:
        pieces, delay = [data], 0.0
    # Counted from 0 before the first write: a client that stops early can make that
    # write fail (BrokenPipeError) before anything is counted.
    state.sent.setdefault(path, 0)
    for piece in pieces:
        handler.wfile.write(piece)
        handler.wfile.flush()
        state.sent[path] = state.sent.get(path, 0) + len(piece)
        time.sleep(delay)


@pytest.fixture
def fault_server():
    state = FaultServer("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.strip("/")
            if path not in state.files:
                self.send_error(404)
                return
            try:
                _send(self, state, path)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should

        def log_message(self, *args):
            pass

    # Loopback only; the context manager closes the socket, daemon threads die with pytest.
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        server.daemon_threads = True
        host, port = server.server_address[:2]
        state.url = f"http://{host}:{port}"
        worker = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        worker.start()
        try:
            yield state
        finally:  # even when the test failed: stop serving before the socket closes
            server.shutdown()
            worker.join(timeout=5)


def test_slow_drip_is_stopped_by_the_total_deadline(fault_server, tmp_path):
    data = bytes(range(100))  # 100 bytes x 0.05 s = 5 s if nobody stops it
    fault_server.add("slow.bin", data, "drip")
    with pytest.raises(DownloadError, match=r"timed out.*1 s allowed per file"):
        download([fault_server.url + "/slow.bin"], tmp_path / "slow.bin", timeout=1)
    assert fault_server.sent["slow.bin"] < len(data)  # stopped mid-way, not at the end
    assert list(tmp_path.iterdir()) == []


def test_endless_response_is_stopped_at_the_cap(fault_server, tmp_path):
    fault_server.add("endless.bin", b"", "endless")
    with pytest.raises(DownloadError, match=r"grew past 100000 bytes"):
        download([fault_server.url + "/endless.bin"], tmp_path / "e.bin", max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_announced_size_above_the_cap_is_refused_at_once(fault_server, tmp_path):
    fault_server.add("liar.bin", b"x" * 10, "announce-huge")
    with pytest.raises(DownloadError, match=r"announces 1000000000000 bytes, more than 5000"):
        download([fault_server.url + "/liar.bin"], tmp_path / "liar.bin", max_bytes=5000)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def served_mnist(fault_server, clean_data_env, monkeypatch):
    """Tiny MNIST files on the fault server; the registry points only there."""
    for name in NAMES:
        array = np.full((2, 28, 28), 7) if "images" in name else np.array([1, 2])
        fault_server.add(f"mnist/{name}", gzip.compress(idx_raw(array)))
    source = dataclasses.replace(
        SOURCES["mnist"], mirrors=(fault_server.url + "/mnist",), files=dict.fromkeys(NAMES)
    )
    monkeypatch.setitem(SOURCES, "mnist", source)
    return clean_data_env / "mnist"


def test_loader_timeout_argument_and_variable(served_mnist, fault_server, monkeypatch):
    fault_server.modes["mnist/" + NAMES[0]] = "drip"
    with pytest.raises(DatasetNotFoundError, match=r"timed out.*1 s allowed"):
        load_mnist(progress=False, timeout=1)
    monkeypatch.setenv("CNN_LIB_TIMEOUT", "1.5")
    with pytest.raises(DatasetNotFoundError, match=r"timed out.*1.5 s allowed"):
        load_mnist(progress=False)
    assert list(served_mnist.iterdir()) == []  # nothing partial left behind


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10", True])
def test_bad_timeouts_are_refused_before_any_work(served_mnist, fault_server, bad):
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        load_mnist(progress=False, timeout=bad)
    assert fault_server.sent == {}


def test_bad_timeout_variable_is_named(served_mnist, monkeypatch):
    monkeypatch.setenv("CNN_LIB_TIMEOUT", "soon")
    with pytest.raises(ValueError, match=r"\$CNN_LIB_TIMEOUT must be a positive.*'soon'"):
        load_mnist(progress=False)


def test_loader_caps_an_endless_download_from_the_known_size(served_mnist, fault_server):
    fault_server.modes["mnist/" + NAMES[1]] = "endless"
    with pytest.raises(DatasetNotFoundError, match=r"grew past \d+ bytes"):
        load_mnist(progress=False)
    assert fault_server.sent["mnist/" + NAMES[1]] < ENDLESS_LIMIT
    assert [p.name for p in served_mnist.iterdir()] == [NAMES[0]]  # only the good file


def test_downloaded_bomb_is_a_clear_error_not_memory_error(served_mnist, fault_server):
    # 12 MiB of zeros: about 12 KB compressed, under the download cap of the
    # 10,008-byte labels file, so the check of the content has to catch it.
    bomb = gzip_bomb(announced_items=2, junk=12 << 20)
    assert len(bomb) < SOURCES["mnist"].download_cap(TEST_LABELS)
    fault_server.files["mnist/" + TEST_LABELS] = bomb
    error, peak = peak_memory(load_mnist, progress=False)
    assert isinstance(error, DatasetNotFoundError), error
    assert "more data than" in str(error)
    assert peak < 4 << 20, f"verifying the download held {peak / 2**20:.0f} MiB"
    assert TEST_LABELS not in [p.name for p in served_mnist.iterdir()]


def test_stale_part_files_are_removed_by_the_next_load(served_mnist):
    served_mnist.mkdir(parents=True)
    stale = served_mnist / f".{TEST_IMAGES}.k1ll3d.part"
    live = served_mnist / f".{TEST_LABELS}.wr1t1ng.part"  # another process, still writing
    stale.write_bytes(b"half a file")
    live.write_bytes(b"being written")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    load_mnist(progress=False)
    assert not stale.exists()
    assert live.exists()
    assert sorted(p.name for p in served_mnist.iterdir()) == sorted([*NAMES, live.name])
