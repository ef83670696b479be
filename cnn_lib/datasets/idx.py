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

Taught in chapter 2, Images as arrays (the data sets behind ``load_sample``).

A file is read as a stream: the header is parsed first, then exactly the
announced number of bytes is read into an array allocated for them, and one
more byte is asked for. A file holding more data than its header announces
(e.g. a small gzip "bomb" that expands to gigabytes) is refused at that first
extra byte, long before memory runs out; a header announcing more than the
file can hold is refused before anything is allocated.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
#: Deflate cannot expand data by more than about 1032:1, so a gzip file of
#: ``n`` bytes holds at most ``MAX_GZIP_RATIO * n`` bytes of content.
MAX_GZIP_RATIO = 1100
CHUNK_SIZE = 1 << 20

#: IDX dtype code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_maybe_gzip(path: str | os.PathLike, max_bytes: int | None = None) -> bytes:
    """Return the bytes of ``path``, gunzipped (as a stream) if it is a gzip file.

    Raises ``ValueError`` if gzip data is truncated or corrupt, or expands
    beyond ``max_bytes`` (default: the most the file could expand to).
    """
    path = Path(path)
    with open(path, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            raw.seek(0)
            return raw.read()
        raw.seek(0)
        limit = MAX_GZIP_RATIO * os.fstat(raw.fileno()).st_size
        limit = limit if max_bytes is None else max_bytes
        chunks, size = [], 0
        with _gzip_errors(path), gzip.GzipFile(fileobj=raw) as stream:
            while size <= limit and (chunk := stream.read(CHUNK_SIZE)):
                chunks.append(chunk)
                size += len(chunk)
    if size > limit:
        raise ValueError(f"{path}: gzip data expands beyond {limit} bytes; refusing to read more")
    return b"".join(chunks)


class _gzip_errors:
    """Context manager turning gzip/zlib failures into a ``ValueError`` naming the file."""

    def __init__(self, source):
        self.source = source

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if kind is not None and issubclass(kind, (OSError, EOFError, zlib.error)):
            # EOFError: the compressed stream stops early (a truncated download).
            raise ValueError(f"{self.source}: corrupt or truncated gzip data ({err})") from None
        return False


def _read_header(stream, source: str, digest):
    """Read and check the IDX header from ``stream``; return ``(shape, dtype, header_size)``."""
    head = _read_up_to(stream, 4, digest)
    if len(head) < 4:
        raise ValueError(f"{source}: too short for an IDX header ({len(head)} bytes, need >= 4)")
    zero1, zero2, code, ndim = head
    if zero1 != 0 or zero2 != 0:
        raise ValueError(
            f"{source}: not an IDX file: the magic number must start with two zero bytes, "
            f"got {head.hex(' ')} (is it still compressed, or another format?)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{source}: unknown IDX dtype code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{source}: IDX header says 0 dimensions; expected at least 1")
    dims = _read_up_to(stream, 4 * ndim, digest)
    header_size = 4 + 4 * ndim
    if len(dims) < 4 * ndim:
        raise ValueError(
            f"{source}: truncated IDX header: {ndim} dimensions need {header_size} bytes, "
            f"the file has {4 + len(dims)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(dims, dtype=">u4"))
    return shape, IDX_DTYPES[code], header_size


def _read_up_to(stream, size: int, digest) -> bytes:
    data = stream.read(size)
    if digest is not None:
        digest.update(data)
    return data


def _read_stream(stream, source: str, limit: int, digest=None) -> np.ndarray:
    """Read one IDX file from ``stream``; refuse it if it announces more than ``limit`` bytes.

    Exactly the announced number of bytes is read into an array allocated for
    them; if the stream then still has data, the file is refused. ``digest``
    (a ``hashlib`` object), if given, sees every byte read, header included.
    """
    shape, dtype, header_size = _read_header(stream, source, digest)
    expected = header_size + math.prod(shape) * dtype.itemsize
    if expected > limit:  # checked before allocating anything
        raise ValueError(
            f"{source}: IDX data truncated: shape {shape} of {dtype.name} needs "
            f"{expected} bytes in all, the file has at most {limit}"
        )
    try:
        buffer = np.empty(expected - header_size, dtype=np.uint8)
    except MemoryError:
        raise ValueError(
            f"{source}: header announces {expected} bytes, more than fits in memory"
        ) from None
    view, filled = memoryview(buffer), 0
    while filled < len(buffer):
        got = stream.readinto(view[filled : filled + CHUNK_SIZE])
        if not got:
            raise ValueError(
                f"{source}: IDX data truncated: shape {shape} of {dtype.name} needs "
                f"{expected} bytes in all, the file has {header_size + filled}"
            )
        if digest is not None:
            digest.update(view[filled : filled + got])
        filled += got
    # One byte more: more data than announced is refused here (a decompression
    # bomb stops after one chunk), and reading a gzip stream to its end checks its CRC.
    if _read_up_to(stream, 1, digest):
        raise ValueError(
            f"{source}: IDX data has trailing bytes: more data than the {expected} bytes "
            f"its header announces (shape {shape} of {dtype.name})"
        )
    # astype copies into native byte order, so the result is writable and fast.
    return buffer.view(dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


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
    return _read_stream(io.BytesIO(data), source, limit=len(data))


def read_idx(path: str | os.PathLike, *, max_bytes: int | None = None, digest=None) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into an ndarray, as a stream.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``"t10k-images-idx3-ubyte.gz"``. Compression is detected
        from the content, not the name.
    max_bytes : int, optional
        Refuse files whose header announces more (decompressed) bytes than
        this, before allocating. Default: what the file could possibly hold.
    digest : hashlib object, optional
        Updated with every decompressed byte, e.g. ``hashlib.sha256()`` to
        verify a checksum of the content without a second pass.

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
        If the file is corrupt or truncated, holds more data than its header
        announces, or announces more than ``max_bytes``; the message names
        the file and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 4, 2]))
    >>> read_idx(p)
    array([4, 2], dtype=uint8)
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        # What the file can hold at most: its size, or the best gzip expansion.
        limit = os.fstat(raw.fileno()).st_size * (MAX_GZIP_RATIO if compressed else 1)
        if max_bytes is not None:
            limit = min(limit, max_bytes)
        if not compressed:
            return _read_stream(raw, str(path), limit, digest)
        with _gzip_errors(path), gzip.GzipFile(fileobj=raw) as stream:
            return _read_stream(stream, str(path), limit, digest)
