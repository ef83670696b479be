"""Read IDX files, the simple binary format MNIST and Fashion-MNIST ship in.

An IDX file is a tiny header followed by raw numbers, all big-endian::

    byte 0-1   0x00 0x00            (magic: two zero bytes)
    byte 2     dtype code           (0x08 ubyte, 0x09 byte, 0x0B short,
                                     0x0C int, 0x0D float, 0x0E double)
    byte 3     ndim                 (number of dimensions)
    4 * ndim   size of each dimension, as big-endian uint32
    ...        prod(sizes) numbers of the given dtype, C order

MNIST's images are ``(60000, 28, 28)`` ubyte arrays and its labels
``(60000,)`` ubyte arrays. The files usually come gzip-compressed; we sniff the
gzip magic bytes rather than trusting the file name.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"

#: IDX dtype code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_maybe_gzip(path: str | os.PathLike) -> bytes:
    """Return the bytes of ``path``, decompressed if it is a gzip file.

    Raises
    ------
    ValueError
        If the file starts like a gzip file but is truncated or corrupt.
    """
    data = Path(path).read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        # EOFError: the compressed stream stops early (a truncated download).
        raise ValueError(f"{path}: corrupt or truncated gzip data ({err})") from None


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an ndarray.

    Parameters
    ----------
    data : bytes
        The whole file content.
    source : str
        A name for the data (usually its path), used in error messages.

    Returns
    -------
    numpy.ndarray
        A new, writable array in native byte order with the shape from the header.

    Raises
    ------
    ValueError
        On a bad magic number, an unknown dtype code, or a data length that
        does not match the shape in the header exactly.

    Examples
    --------
    >>> parse_idx(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
    array([7, 8, 9], dtype=uint8)
    """
    if len(data) < 4:
        raise ValueError(f"{source}: too short for an IDX header ({len(data)} bytes, need >= 4)")
    zero1, zero2, code, ndim = data[:4]
    if zero1 != 0 or zero2 != 0:
        raise ValueError(
            f"{source}: not an IDX file: the magic number must start with two zero bytes, "
            f"got {data[:4].hex(' ')} (is it still compressed, or another format?)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{source}: unknown IDX dtype code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{source}: IDX header says 0 dimensions; expected at least 1")

    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{source}: truncated IDX header: {ndim} dimensions need {header_size} bytes, "
            f"the file has {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = header_size + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "has trailing bytes"
        raise ValueError(
            f"{source}: IDX data {problem}: shape {shape} of {dtype.name} needs "
            f"{expected} bytes in all, the file has {len(data)}"
        )
    values = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=header_size)
    # astype copies into native byte order, so the result is writable and fast.
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into an ndarray.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``"t10k-images-idx3-ubyte.gz"``. Compression is detected
        from the content, not the name.

    Returns
    -------
    numpy.ndarray
        The array, in native byte order; ubyte data comes back as ``uint8``.

    Shapes
    ------
    Whatever the header says: MNIST images ``(N, 28, 28)``, labels ``(N,)``.

    Raises
    ------
    ValueError
        If the file is corrupt or truncated; the message names the file and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 4, 2]))
    >>> read_idx(p)
    array([4, 2], dtype=uint8)
    """
    return parse_idx(read_maybe_gzip(path), source=str(path))
