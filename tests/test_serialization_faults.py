"""save / load under faults: full disk, killed process, damaged and hostile files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest

from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.linear import Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.serialization import load, save

BAD_FILE = "not an .npz file of arrays written by cnn_lib.save"


def model(seed=0, hidden=8):
    return Sequential(Linear(4, hidden, rng=seed), ReLU(), Linear(hidden, 3, rng=seed + 10))


def assert_unchanged(target, before):
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def write_zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("bad_value", "what"),
    [
        (np.array([["a", "b", "c", "d"]] * 8), "<U1"),
        (np.ones((8, 4), dtype=np.complex64), "complex64"),
        (np.ones((8, 4), dtype=np.int32), "int32"),
        (np.ones((8, 4), dtype=bool), "bool"),
    ],
)
def test_non_float_entry_is_refused_and_model_unchanged(tmp_path, bad_value, what):
    # "2.weight" comes after "0.weight" and "0.bias": a loader that assigns as it
    # goes would already have overwritten them when it meets the bad entry.
    state = model(0).state_dict()
    state["2.bias"] = bad_value[0, :3] if bad_value.ndim == 2 else bad_value
    state["2.weight"] = np.resize(bad_value, (3, 8))
    path = tmp_path / "bad.npz"
    np.savez(path, **state)
    target = model(3)
    before = target.state_dict()
    with pytest.raises(ValueError, match=rf"bad\.npz.*entry '2\.(weight|bias)'.*{what}"):
        load(target, path)
    assert_unchanged(target, before)


def test_object_entry_is_refused_without_unpickling(tmp_path):
    state = model().state_dict()
    state["0.weight"] = np.array([{"not": "an array"}], dtype=object)
    np.savez(tmp_path / "pickled.npz", **state)
    with pytest.raises(ValueError, match=r"pickled\.npz.*entry '0\.weight'.*pickle"):
        load(model(), tmp_path / "pickled.npz")


def test_empty_file_names_the_file(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=rf"empty\.npz.*{BAD_FILE}"):
        load(model(), tmp_path / "empty.npz")


def test_every_truncation_is_a_clear_error(tmp_path):
    good = save(Linear(2, 3, rng=0), tmp_path / "good").read_bytes()
    target = Linear(2, 3, rng=1)
    before = target.state_dict()
    for cut in range(0, len(good), 7):
        (tmp_path / "cut.npz").write_bytes(good[:cut])
        with pytest.raises(ValueError, match=rf"cut\.npz.*{BAD_FILE}"):
            load(target, tmp_path / "cut.npz")
    assert_unchanged(target, before)


def test_every_flipped_byte_is_an_error_or_harmless(tmp_path):
    """Flip each byte in turn: either a ValueError naming the file, or the exact weights."""
    saved = Linear(2, 3, rng=0)
    good = save(saved, tmp_path / "good").read_bytes()
    errors = 0
    for offset in range(0, len(good), 3):
        damaged = bytearray(good)
        damaged[offset] ^= 0x10
        (tmp_path / "flip.npz").write_bytes(bytes(damaged))
        target = Linear(2, 3, rng=1)
        before = target.state_dict()
        try:
            load(target, tmp_path / "flip.npz")
        except ValueError as err:
            assert "flip.npz" in str(err)
            assert_unchanged(target, before)
            errors += 1
        else:  # only metadata (timestamps, a local header's copy of the CRC) was hit
            np.testing.assert_array_equal(target.weight.data, saved.weight.data)
            np.testing.assert_array_equal(target.bias.data, saved.bias.data)
    assert errors > len(good) // 6  # the data and headers are covered


def test_flipped_data_byte_fails_the_crc(tmp_path):
    saved = Linear(2, 3, rng=0)
    good = bytearray(save(saved, tmp_path / "good").read_bytes())
    weight_bytes = saved.weight.data.tobytes()
    offset = bytes(good).index(weight_bytes) + 5
    good[offset] ^= 0x01
    (tmp_path / "crc.npz").write_bytes(bytes(good))
    with pytest.raises(ValueError, match=r"crc\.npz.*entry 'weight'.*CRC"):
        load(Linear(2, 3), tmp_path / "crc.npz")


def _bomb_members(kind: str) -> dict:
    """A checkpoint for Linear(2, 3) with 32 MiB of zeros hidden in it (~32 KB deflated)."""
    junk = 32 << 20
    weight = np.zeros((3, 2), np.float32)
    members = {"bias.npy": npy_bytes(np.zeros(3, np.float32))}
    if kind == "padded member":  # right header, then junk after the data
        members["weight.npy"] = npy_bytes(weight) + bytes(junk)
    elif kind == "huge shape":  # a header announcing a huge array
        members["weight.npy"] = npy_bytes(np.zeros(junk // 4, np.float32))
    else:  # an extra member nobody asked for
        members["weight.npy"] = npy_bytes(weight)
        members["junk.npy"] = npy_bytes(np.zeros(junk, np.uint8))
    return members


@pytest.mark.parametrize("kind", ["padded member", "huge shape", "extra member"])
def test_oversized_member_is_refused_before_it_is_read(tmp_path, kind):
    path = write_zip(tmp_path / "bomb.npz", _bomb_members(kind), zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    target = Linear(2, 3, rng=1)
    before = target.state_dict()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"bomb\.npz.*(weight|junk)"):
            load(target, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"load allocated {peak / 2**20:.0f} MiB for a refused file"
    assert_unchanged(target, before)


def test_repeated_member_is_refused(tmp_path):
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        for name, value in Linear(2, 3, rng=0).state_dict().items():
            archive.writestr(f"{name}.npy", npy_bytes(value))
        archive.writestr("bias.npy", npy_bytes(np.full(3, 7, np.float32)))
    with pytest.raises(ValueError, match=r"twice\.npz.*repeated"):
        load(Linear(2, 3), path)


def test_float64_and_big_endian_entries_load_exactly(tmp_path):
    saved = Linear(2, 3, rng=0)
    state = {k: v.astype(">f8") for k, v in saved.state_dict().items()}
    np.savez(tmp_path / "f64.npz", **state)
    target = load(Linear(2, 3, rng=1), tmp_path / "f64.npz")
    assert target.weight.data.dtype == np.float32
    np.testing.assert_array_equal(target.weight.data, saved.weight.data)


def test_save_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"folder .*nowhere.* does not exist"):
        save(model(), tmp_path / "nowhere" / "ckpt")


posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX resource limits")


@posix_only
def test_full_disk_during_save_keeps_the_previous_file(tmp_path):
    resource = pytest.importorskip("resource")
    path = save(model(0), tmp_path / "ckpt")
    previous = path.read_bytes()
    big = model(1, hidden=20_000)  # about 560 KB of weights
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))  # a "disk" of 64 KiB
    try:
        with pytest.raises(OSError, match=r"ckpt\.npz.*previous file.*unchanged"):
            save(big, path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]  # no temporary file
    load(model(5), path)


@posix_only
def test_saved_file_has_the_usual_permissions(tmp_path):
    reference = tmp_path / "reference"
    reference.write_bytes(b"")  # created with the process's umask, like np.savez did
    path = save(model(), tmp_path / "ckpt")
    assert path.stat().st_mode == reference.stat().st_mode


KILLED_SAVE = """
import os, signal, sys
import numpy as np
from cnn_lib.serialization import save

class KillDuringWrite:  # np.savez converts entries one by one, while writing
    def __array__(self, dtype=None, copy=None):
        os.kill(os.getpid(), signal.SIGKILL)

class Model:
    def state_dict(self):
        return {"0.weight": np.ones((500, 500), np.float32), "0.bias": KillDuringWrite()}

save(Model(), sys.argv[1])
"""


@posix_only
def test_killed_save_keeps_the_previous_file(tmp_path):
    path = save(model(0), tmp_path / "ckpt")
    previous = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    script = textwrap.dedent(KILLED_SAVE)
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, timeout=60)
    assert done.returncode == -9  # really killed in the middle of the write
    assert path.read_bytes() == previous
    load(model(5), path)
