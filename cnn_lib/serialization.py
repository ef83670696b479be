"""Save and load a model's weights as a NumPy ``.npz`` file.

Taught in chapter 13, Training a CNN end to end.

Only the arrays of ``model.state_dict()`` are stored (never pickled Python
objects), so a saved file is safe to open. To load, first build the same
architecture, then fill in its weights.

Two promises make checkpoints safe to rely on:

- ``save`` is atomic: it writes a temporary file in the same folder and
  renames it over the destination (``os.replace``) only once it is complete,
  so a full disk or a killed process never destroys the previous checkpoint.
- ``load`` checks every entry (name, shape, real floating dtype, and that the
  stored bytes are exactly the size the shape announces) before it assigns
  anything, so a bad file leaves the model unchanged. The size check reads
  only the zip directory and each ``.npy`` header: a member padded with
  gigabytes of junk is refused before its data is read.
"""

from __future__ import annotations

import math
import os
import secrets
import zipfile
import zlib
from pathlib import Path

import numpy as np

# What a damaged or foreign file can raise while we read it (a flipped bit in
# a zip header can announce an unknown compression method or encryption).
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


def save(model, path) -> Path:
    """Write ``model.state_dict()`` to ``path`` (``.npz`` is appended if missing), atomically.

    Parameters
    ----------
    model : Module
    path : str or os.PathLike

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OSError
        If the file cannot be written (e.g. the disk is full); the previous
        file at ``path``, if any, is unchanged and no temporary file is left.

    Examples
    --------
    >>> import tempfile
    >>> from cnn_lib.layers.linear import Linear
    >>> folder = tempfile.mkdtemp()
    >>> save(Linear(2, 3, rng=0), Path(folder) / "model").name
    'model.npz'
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save to {str(path)!r}: the folder {str(path.parent)!r} does not exist; "
            "create it first, e.g. Path(folder).mkdir(parents=True)"
        )
    state = model.state_dict()
    # Same folder as the destination: os.replace is only atomic within one file system.
    # Mode "xb" creates a new file with the usual permissions (mkstemp's are owner-only).
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    out = open(tmp, "xb")  # noqa: SIM115 - closed by the with below, inside the cleanup
    try:
        with out:
            np.savez(out, **state)
            out.flush()
            os.fsync(out.fileno())  # the data is on disk before the rename makes it visible
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OSError(
            f"could not save the model to {str(path)!r} ({err}); "
            "the previous file there, if any, is unchanged"
        ) from err
    except BaseException:  # e.g. KeyboardInterrupt: still leave nothing behind
        tmp.unlink(missing_ok=True)
        raise
    return path


def _resolve(path) -> Path:
    """``path`` if it is a file, else ``path + ".npz"``; raise if neither exists."""
    path = Path(path)
    if path.is_file():
        return path
    with_suffix = path.with_name(path.name + ".npz")
    if not with_suffix.is_file():
        raise FileNotFoundError(
            f"no saved model at {str(path)!r} (nor {str(with_suffix)!r}); "
            "write one with cnn_lib.save(model, path)"
        )
    return with_suffix


def _read_header(member):
    """Read a ``.npy`` header from an open member; return ``(shape, fortran, dtype, size)``."""
    version = np.lib.format.read_magic(member)
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    if version not in readers:
        raise ValueError(f".npy format version {version} is not supported")
    shape, fortran_order, dtype = readers[version](member)
    return shape, fortran_order, dtype, member.tell()


def _check_entry(archive, info, expected, problem):
    """Validate one member against the model's array; return its header facts.

    Only the member's ``.npy`` header is read, never its data.
    """
    name = info.filename[: -len(".npy")]
    where = f"{problem}: entry {name!r}"
    with archive.open(info) as member:
        shape, fortran_order, dtype, header_size = _read_header(member)
    if dtype.hasobject or dtype.kind != "f":
        kind = "Python objects (which would need pickle)" if dtype.hasobject else str(dtype)
        raise ValueError(f"{where} holds {kind}; expected real floating-point numbers")
    if shape != expected.shape:
        raise ValueError(
            f"{problem}: state_dict entry {name!r} has shape {shape}, expected {expected.shape}"
        )
    data_size = math.prod(shape) * dtype.itemsize
    if info.file_size != header_size + data_size:
        raise ValueError(
            f"{where} is {info.file_size} bytes, but its header announces "
            f"{header_size + data_size} (shape {shape} of {dtype}); the file is corrupt"
        )
    return shape, fortran_order, dtype, data_size


def _read_entry(archive, info, header):
    """Read one already validated member's data (exactly its announced size)."""
    shape, fortran_order, dtype, data_size = header
    with archive.open(info) as member:
        _read_header(member)
        data = member.read(data_size)
        if len(data) != data_size or member.read(1):  # reading to the end checks the CRC
            raise ValueError("its data does not match its header (truncated or corrupt)")
    order = "F" if fortran_order else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order)


def _read_checked(archive, expected: dict, problem: str) -> dict:
    """All entries of ``archive`` as arrays, after checking every name, dtype and size."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    odd = [n for n in names if not n.endswith(".npy")]
    if odd or len(set(names)) != len(names):
        raise ValueError(f"{problem}: unexpected or repeated members {odd or names}")
    found = {n[: -len(".npy")] for n in names}
    missing, extra = sorted(set(expected) - found), sorted(found - set(expected))
    if missing:
        raise ValueError(f"{problem}: state_dict is missing entries: {', '.join(missing)}")
    if extra:
        raise ValueError(f"{problem}: state_dict has unexpected entries: {', '.join(extra)}")
    state = {}
    for info in infos:  # first pass: headers only
        name = info.filename[: -len(".npy")]
        state[name] = _guarded(problem, name, _check_entry, archive, info, expected[name], problem)
    for info in infos:  # second pass, with every entry known to be sound: the data
        name = info.filename[: -len(".npy")]
        state[name] = _guarded(problem, name, _read_entry, archive, info, state[name])
    return state


def _guarded(problem, name, function, *args):
    """Run ``function(*args)``, turning a read error into a ``ValueError`` naming the entry."""
    try:
        return function(*args)
    except _READ_ERRORS as err:
        if isinstance(err, ValueError) and str(err).startswith(problem):
            raise
        raise ValueError(f"{problem}: entry {name!r}: {err}") from err


def load(model, path):
    """Fill ``model``'s parameters from a file written by ``save``; returns ``model``.

    Every entry is checked before any is assigned: on error the model is unchanged.

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``path + ".npz"`` exists.
    ValueError
        If the file is empty, truncated, corrupt or not an ``.npz`` of arrays,
        or an entry is missing, unexpected, has the wrong shape, is not real
        floating point (complex, string, object) or is larger than its header
        says. The message names the file and the entry.

    Examples
    --------
    >>> import tempfile
    >>> from cnn_lib.layers.linear import Linear
    >>> file = save(Linear(2, 3, rng=0), Path(tempfile.mkdtemp()) / "model")
    >>> model = load(Linear(2, 3, rng=1), file)
    >>> bool(np.array_equal(model.weight.data, Linear(2, 3, rng=0).weight.data))
    True
    """
    path = _resolve(path)
    problem = f"{str(path)!r} is not an .npz file of arrays written by cnn_lib.save"
    expected = model.state_dict()
    try:
        with zipfile.ZipFile(path) as archive:
            state = _read_checked(archive, expected, problem)
    except _READ_ERRORS as err:
        if isinstance(err, ValueError) and str(err).startswith(problem):
            raise
        detail = str(err) or type(err).__name__
        raise ValueError(f"{problem}: {detail}") from err
    model.load_state_dict(state)
    return model
