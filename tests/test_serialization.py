"""save / load of a model's weights as .npz."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from cnn_lib.layers.activations import ReLU
from cnn_lib.layers.linear import Linear
from cnn_lib.layers.sequential import Sequential
from cnn_lib.serialization import load, save


def model(seed=0):
    return Sequential(Linear(4, 8, rng=seed), ReLU(), Linear(8, 3, rng=seed + 10))


def test_round_trip_gives_identical_outputs(tmp_path):
    trained, fresh = model(0), model(1)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    assert not np.allclose(trained(x), fresh(x))
    written = save(trained, tmp_path / "weights.npz")
    assert written == tmp_path / "weights.npz" and written.is_file()
    assert load(fresh, written) is fresh
    np.testing.assert_array_equal(fresh(x), trained(x))
    assert all(p.data.dtype == np.float32 for p in fresh.parameters())


def test_file_holds_exactly_the_state_dict(tmp_path):
    net = model()
    save(net, tmp_path / "weights.npz")
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as data:
        assert sorted(data.files) == sorted(net.state_dict())
        np.testing.assert_array_equal(data["2.bias"], net[2].bias.data)


def test_suffix_is_added_and_found_again(tmp_path):
    written = save(model(), tmp_path / "checkpoint")
    assert written.name == "checkpoint.npz"
    load(model(5), tmp_path / "checkpoint")  # found without the suffix
    load(model(5), str(written))  # str paths work too


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no saved model at .*nowhere.*cnn_lib.save"):
        load(model(), tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("0.bias"), "missing entries: 0.bias"),
        (lambda s: s.update({"extra": np.zeros(2)}), "unexpected entries: extra"),
        (lambda s: s.update({"2.weight": np.zeros((3, 9))}), r"'2.weight' has shape \(3, 9\)"),
    ],
)
def test_mismatched_files_name_the_entry(tmp_path, change, message):
    state = model().state_dict()
    change(state)
    np.savez(tmp_path / "bad.npz", **state)
    target = model(3)
    before = target.state_dict()
    with pytest.raises(ValueError, match=message):
        load(target, tmp_path / "bad.npz")
    for name, value in target.state_dict().items():  # nothing half-loaded
        np.testing.assert_array_equal(value, before[name])


def test_pickled_content_is_refused(tmp_path):
    state = model().state_dict()
    state["0.weight"] = np.array([{"not": "an array"}], dtype=object)
    np.savez(tmp_path / "pickled.npz", **state)
    with pytest.raises(ValueError, match="not an .npz file of arrays.*pickle"):
        load(model(), tmp_path / "pickled.npz")


@pytest.mark.parametrize("kind", ["garbage", "npy", "bad_zip"])
def test_files_that_are_not_npz_are_refused(tmp_path, kind):
    path = tmp_path / "model.npz"
    if kind == "garbage":
        path.write_bytes(b"this is not numpy data at all")
    elif kind == "npy":
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "hello")
        path.write_bytes(path.read_bytes()[:-10])  # truncated zip
    with pytest.raises(ValueError, match="not an .npz file of arrays written by cnn_lib.save"):
        load(model(), path)
