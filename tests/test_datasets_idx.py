"""read_idx: hand-built IDX files (packed element by element with struct) and broken ones."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_lib.datasets.idx import parse_idx, read_idx

# IDX dtype code -> (struct format of one element, NumPy dtype we expect back).
CODES = {
    0x08: ("B", np.uint8),
    0x09: ("b", np.int8),
    0x0B: ("h", np.int16),
    0x0C: ("i", np.int32),
    0x0D: ("f", np.float32),
    0x0E: ("d", np.float64),
}


def idx_bytes(values, shape, code) -> bytes:
    """An IDX file written the slow, obvious way: header, then each value big-endian."""
    fmt = CODES[code][0]
    header = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    return header + b"".join(struct.pack(">" + fmt, v) for v in values)


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_dtype_code_reads_back_exactly(tmp_path, code):
    values = [0, 1, 2, 3, 4, 5, 100, 7, 8, 9, 10, 11] if code == 0x08 else list(range(-6, 6))
    path = tmp_path / "data-idx3"
    path.write_bytes(idx_bytes(values, (2, 3, 2), code))
    out = read_idx(path)
    assert out.dtype == CODES[code][1]
    assert out.dtype.isnative
    assert out.shape == (2, 3, 2)
    assert out.ravel().tolist() == values
    out[0, 0, 0] = 42  # a fresh array, not a read-only view of the file
    assert out[0, 0, 0] == 42


def test_floats_keep_their_value(tmp_path):
    values = [0.5, -1.25, 3.0e-7, 1.0e30]
    for code, dtype in ((0x0D, np.float32), (0x0E, np.float64)):
        path = tmp_path / f"f{code}"
        path.write_bytes(idx_bytes(values, (4,), code))
        np.testing.assert_array_equal(read_idx(path), np.array(values, dtype=dtype))


def test_gzip_is_detected_from_content_not_name(tmp_path):
    raw = idx_bytes([7, 2, 1, 0, 4, 1], (2, 3), 0x08)
    (tmp_path / "looks-raw").write_bytes(gzip.compress(raw))
    (tmp_path / "looks-compressed.gz").write_bytes(raw)
    expected = np.array([[7, 2, 1], [0, 4, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(tmp_path / "looks-raw"), expected)
    np.testing.assert_array_equal(read_idx(str(tmp_path / "looks-compressed.gz")), expected)


def test_empty_dimension_is_fine():
    assert parse_idx(idx_bytes([], (0, 28, 28), 0x08)).shape == (0, 28, 28)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x00\x01\x08\x01\x00\x00\x00\x01\x05", "two zero bytes"),
        (b"\x1f\x8b\x08\x00", "corrupt or truncated gzip"),
        (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x05", "unknown IDX dtype code 0x0A"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", "truncated IDX header"),
        (idx_bytes([1, 2, 3], (4,), 0x08), "truncated"),
        (idx_bytes([1, 2, 3, 4], (4,), 0x08) + b"\x00", "trailing bytes"),
        (idx_bytes([1, 2, 3, 4], (2, 2), 0x0B)[:-1], "truncated"),
    ],
)
def test_corrupt_files_raise_value_error_naming_the_file(tmp_path, data, message):
    path = tmp_path / "broken-idx"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_and_corrupted_gzip(tmp_path):
    compressed = gzip.compress(idx_bytes(list(range(200)), (200,), 0x08))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated gzip") as info:
        read_idx(cut)
    assert str(cut) in str(info.value)

    flipped = bytearray(compressed)
    flipped[-6] ^= 0xFF  # inside the CRC-32 trailer
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        read_idx(bad)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


@settings(max_examples=40, deadline=None)
@given(
    code=st.sampled_from(sorted(CODES)),
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple),
    extra=st.integers(-3, 3),
)
def test_length_must_match_the_header_exactly(code, shape, extra):
    n = int(np.prod(shape))
    data = idx_bytes([1] * n, shape, code)
    if extra > 0:
        data += b"\x00" * extra
    elif extra < 0:
        if n == 0:
            return
        data = data[:extra]
    if extra == 0:
        assert parse_idx(data).shape == shape
    else:
        with pytest.raises(ValueError, match="truncated|trailing"):
            parse_idx(data)
