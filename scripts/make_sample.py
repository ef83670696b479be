"""Regenerate the embedded Fashion-MNIST sample behind ``cnn_lib.datasets.load_sample()``.

Run from the repository root::

    python scripts/make_sample.py            # writes cnn_lib/datasets/data/fashion_mnist_sample.npz

It reads Debian's ``dataset-fashion-mnist`` package (``apt-get install
dataset-fashion-mnist``), checks the SHA-256 of each decompressed file, picks
600 training and 100 test images of every class with a fixed seed, and writes
a compressed ``.npz`` whose bytes are reproducible (fixed zip timestamps), so
the SHA-256 recorded in ``cnn_lib/datasets/sample.py`` stays valid.

Checksums: the SHA-256 values of the decompressed files live in
``cnn_lib.datasets.sources.SOURCES["fashion_mnist"]`` (computed from Debian's
files; projects that checked Zalando's archives publish the same values).
Zalando's official MD5s are of the ``.gz`` archives (train images
8d4fb7e6c68d591d4c3dfef9ec88bf0d, train labels 25c81989df183df01b3e8a0aad5dffbe,
test images bef4ecab320f06d8554ea6380940ec79, test labels
bb300cfdad3c16e7a12a480ee83cd310); Debian recompressed the archives, so those
MD5s cannot be checked against its files, and we verify the content instead.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from cnn_lib.datasets.cache import verified_bytes
from cnn_lib.datasets.idx import parse_idx
from cnn_lib.datasets.sources import SOURCES

SOURCE_DIR = Path("/usr/share/datasets/fashion-mnist")
OUTPUT = Path(__file__).resolve().parents[1] / "cnn_lib" / "datasets" / "data"
OUTPUT_FILE = OUTPUT / "fashion_mnist_sample.npz"
SEED = 2017  # the year Fashion-MNIST was released
TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 100
NUM_CLASSES = 10


def read_split(source_dir: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify ``<prefix>-images`` and ``<prefix>-labels`` from ``source_dir``."""
    checksums = SOURCES["fashion_mnist"].files
    arrays = []
    for kind in ("images-idx3", "labels-idx1"):
        name = f"{prefix}-{kind}-ubyte.gz"
        data = verified_bytes(source_dir / name, checksums[name], decompressed=True)
        arrays.append(parse_idx(data, source=str(source_dir / name)))
    return arrays[0], arrays[1]


def stratified_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator):
    """``per_class`` random indices of every class, shuffled together (no class runs)."""
    picks = [
        rng.choice(np.flatnonzero(labels == c), size=per_class, replace=False)
        for c in range(NUM_CLASSES)
    ]
    indices = np.concatenate(picks)
    rng.shuffle(indices)
    return indices


def build(source_dir: Path = SOURCE_DIR, seed: int = SEED) -> dict[str, np.ndarray]:
    """The sample's arrays: uint8 images and labels, plus the indices they came from."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, prefix, per_class in (
        ("train", "train", TRAIN_PER_CLASS),
        ("test", "t10k", TEST_PER_CLASS),
    ):
        images, labels = read_split(source_dir, prefix)
        index = stratified_indices(labels, per_class, rng)
        arrays[f"x_{split}"] = images[index]
        arrays[f"y_{split}"] = labels[index]
        arrays[f"index_{split}"] = index.astype(np.int32)  # provenance: rows of the original
    return arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed ``.npz`` with fixed timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # "Unix", whatever machine runs this
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help="Fashion-MNIST folder")
    parser.add_argument("--output", type=Path, default=OUTPUT_FILE, help="the .npz to write")
    args = parser.parse_args(argv)

    data = npz_bytes(build(args.source))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    print(f"wrote {args.output} ({len(data) / 1e6:.2f} MB)\nSHA-256 {digest}")

    from cnn_lib.datasets.sample import SAMPLE_SHA256

    if digest != SAMPLE_SHA256:
        print("note: differs from SAMPLE_SHA256 in cnn_lib/datasets/sample.py; update it")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
