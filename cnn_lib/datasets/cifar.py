"""CIFAR-10: 60,000 colour 32x32 photos in 10 classes, read from the binary archive.

``cifar-10-binary.tar.gz`` holds six files of fixed-size records::

    1 byte label (0-9) | 1024 red bytes | 1024 green bytes | 1024 blue bytes

(each colour plane row by row), so a file of ``n`` records is ``n * 3073``
bytes and reshapes straight into ``(n, 3, 32, 32)`` NCHW. The members are read
from the archive as a stream; nothing is extracted to disk. Suspicious members
(absolute paths, ``..``, links, devices) are refused, and so is any member
larger than a batch of 10,000 records, from its size in the tar header,
before its data is read.

Taught in chapter 14, Colour images.
"""

from __future__ import annotations

import io
import os
import tarfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np

from cnn_lib.datasets.arrays import as_float_images, as_labels
from cnn_lib.datasets.cache import fetch, verify_file, with_delete_hint
from cnn_lib.datasets.sources import SOURCES

ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
TRAIN_MEMBERS = tuple(f"{FOLDER}/data_batch_{i}.bin" for i in range(1, 6))
TEST_MEMBERS = (f"{FOLDER}/test_batch.bin",)
IMAGE_SHAPE = (3, 32, 32)
RECORD_SIZE = 1 + 3 * 32 * 32
#: Each batch file holds 10,000 records; no member of the archive is larger.
MAX_MEMBER_SIZE = 10_000 * RECORD_SIZE
#: The real archive has 8 entries; a tar with many more is not CIFAR-10.
MAX_MEMBERS = 64


def _check_member(member: tarfile.TarInfo, source: str) -> None:
    """Refuse members that could escape a folder or are not plain files."""
    name = member.name
    if name.startswith(("/", "\\")):
        raise ValueError(f"{source}: refusing archive member {name!r}: absolute path")
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise ValueError(f"{source}: refusing archive member {name!r}: path contains '..'")
    if member.issym() or member.islnk():
        raise ValueError(
            f"{source}: refusing archive member {name!r}: a link to {member.linkname!r}"
        )
    # Directory entries are harmless (we never extract); anything else
    # (devices, FIFOs, ...) has no business in a data archive.
    if not (member.isfile() or member.isdir()):
        raise ValueError(f"{source}: refusing archive member {name!r}: not a regular file")
    if member.size > MAX_MEMBER_SIZE:  # from the header: nothing has been read yet
        raise ValueError(
            f"{source}: refusing archive member {name!r}: {member.size} bytes, more than "
            f"a CIFAR-10 batch ({MAX_MEMBER_SIZE} bytes)"
        )


def parse_records(data: bytes, source: str):
    """Split CIFAR-10 binary records into uint8 images ``(n, 3, 32, 32)`` and labels ``(n,)``."""
    if len(data) == 0 or len(data) % RECORD_SIZE:
        raise ValueError(
            f"{source}: size {len(data)} bytes is not a positive multiple of the "
            f"{RECORD_SIZE}-byte CIFAR-10 record"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_SIZE)
    labels = as_labels(records[:, 0], 10, source)
    return records[:, 1:].reshape(-1, *IMAGE_SHAPE), labels


def _open_tar(archive):
    if isinstance(archive, io.BytesIO):
        return tarfile.open(fileobj=archive, mode="r:gz")
    return tarfile.open(os.fspath(archive), mode="r:gz")


def read_cifar10_archive(archive, source: str = ARCHIVE):
    """Read the six batches of ``cifar-10-binary.tar.gz`` (a path or its bytes), as a stream.

    Members are checked from their headers as they come (safe names, plain
    files, at most a batch in size); batches are read when met.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 images ``(N, 3, 32, 32)`` and int64 labels ``(N,)``.

    Raises
    ------
    ValueError
        If the archive is corrupt, lacks a batch, holds a suspicious or
        oversized member, or has far more members than CIFAR-10.
    """
    if isinstance(archive, (bytes, bytearray)):
        archive = io.BytesIO(archive)
    wanted, batches = set(TRAIN_MEMBERS + TEST_MEMBERS), {}
    try:
        with _open_tar(archive) as tar:
            for count, member in enumerate(tar, start=1):  # lazily: header by header
                _check_member(member, source)
                if count > MAX_MEMBERS:
                    raise ValueError(f"{source}: more than {MAX_MEMBERS} members; not CIFAR-10")
                if member.isfile() and member.name in wanted:
                    data = tar.extractfile(member).read(member.size)
                    batches[member.name] = parse_records(data, member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise ValueError(f"{source}: corrupt or truncated archive ({err})") from None
    missing = [n for n in TRAIN_MEMBERS + TEST_MEMBERS if n not in batches]
    if missing:
        raise ValueError(f"{source}: archive lacks {', '.join(missing)}")

    def split(names):
        images, labels = zip(*(batches[n] for n in names), strict=True)
        return np.concatenate(images), np.concatenate(labels)

    return split(TRAIN_MEMBERS), split(TEST_MEMBERS)


def load_cifar10(
    root=None, download: bool = True, base_url: str | None = None, progress=True, timeout=None
):
    """Load CIFAR-10 (Krizhevsky, 2009): 50,000 training and 10,000 test colour images.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Cache folder (the archive goes to ``root/cifar10/``). Default:
        ``$CNN_LIB_DATA``, else ``$XDG_CACHE_HOME/cnn_lib`` or ``~/.cache/cnn_lib``.
    download : bool
        Download the archive (170 MB, 162 MiB) if missing. With ``False``, a missing file raises.
    base_url : str, optional
        A mirror serving ``cifar-10-binary.tar.gz``; default ``$CNN_LIB_CIFAR10_URL``,
        else ``$CNN_LIB_DATA_URL/cifar10``, else the official site.
    progress : bool
        Show a progress bar while downloading.
    timeout : float, optional
        Total seconds allowed for the download (not per network read);
        default ``$CNN_LIB_TIMEOUT``, else 300.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images float32 in ``[0, 1]``, RGB; labels int64. Names: ``class_names("cifar10")``.

    Shapes
    ------
    ``x_train: (50000, 3, 32, 32)``, ``y_train: (50000,)``,
    ``x_test: (10000, 3, 32, 32)``, ``y_test: (10000,)``.

    Raises
    ------
    DatasetNotFoundError
        (a ``FileNotFoundError``) if the archive is missing and cannot be downloaded.
    ValueError
        If the archive is corrupt, its SHA-256 is wrong, or a member looks unsafe.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_cifar10()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (50000, 3, 32, 32)
    """
    path = fetch(
        "cifar10",
        root=root,
        download=download,
        base_url=base_url,
        progress=progress,
        timeout=timeout,
    )[ARCHIVE]
    with_delete_hint(verify_file, path, SOURCES["cifar10"].files[ARCHIVE])
    (x_train, y_train), (x_test, y_test) = read_cifar10_archive(Path(path), source=str(path))
    return (as_float_images(x_train), y_train), (as_float_images(x_test), y_test)
