"""The im2col forward without ``return_cols`` (eval mode) refills a small buffer.

Each test can fail: a chunk that skips samples, a reused buffer that loses
its row of ones, a last chunk of the wrong length, or a forward pass that
still builds the whole matrix.
"""

import tracemalloc

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib.functional import conv_im2col
from cnn_lib.functional.conv_naive import conv2d_naive


@pytest.fixture
def two_samples_per_chunk(monkeypatch):
    """Shrink CHUNK_BYTES so that a buffer holds two samples' matrices of the case below."""
    rows, positions = 2 * 3 * 3 + 1, 5 * 5  # (C kH kW + 1 row of ones) x (H_out W_out)
    monkeypatch.setattr(conv_im2col, "CHUNK_BYTES", 2 * rows * positions * 8 + 7)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("n", [1, 2, 7])  # 7 samples: chunks of 2, 2, 2 and a last one of 1
def test_chunked_forward_matches_the_loops_and_the_full_matrix(
    two_samples_per_chunk, threads, bias, n
):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 2, 5, 5))
    w = rng.normal(size=(3, 2, 3, 3))
    b = rng.normal(size=3) if bias else None
    with cl.threads.using_threads(threads):
        y = conv_im2col.conv2d_im2col(x, w, b, padding=1)
        y_full, _ = conv_im2col.conv2d_im2col(x, w, b, padding=1, return_cols=True)
    np.testing.assert_allclose(y, conv2d_naive(x, w, b, padding=1), rtol=1e-10, atol=1e-12)
    # The same GEMM per sample either way, so the same bits.
    np.testing.assert_array_equal(y, y_full)


def test_chunked_forward_with_stride_and_dilation(two_samples_per_chunk):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(5, 2, 9, 8)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    args = ((2, 1), (1, 2), (2, 1))  # stride, padding, dilation
    y = conv_im2col.conv2d_im2col(x, w, b, *args)
    np.testing.assert_allclose(y, conv2d_naive(x, w, b, *args), rtol=1e-10, atol=1e-12)


def _peak_bytes(call):
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_eval_forward_never_holds_the_whole_im2col_matrix():
    # The --real benchmark's second convolution on 64 images: cols is 64 x 145 x 196
    # float32, 7.3 MB; the input, padded input and output take 3.2 MB together.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 16, 14, 14)).astype(np.float32)
    w = rng.normal(size=(32, 16, 3, 3)).astype(np.float32)
    b = rng.normal(size=32).astype(np.float32)
    cols_bytes = 64 * (16 * 9 + 1) * 14 * 14 * 4
    kept = _peak_bytes(lambda: conv_im2col.conv2d_im2col(x, w, b, padding=1, return_cols=True))
    assert kept > cols_bytes  # the measure sees the whole matrix when it exists
    peak = _peak_bytes(lambda: conv_im2col.conv2d_im2col(x, w, b, padding=1))
    assert peak < 3.2e6 + conv_im2col.CHUNK_BYTES < cols_bytes


@pytest.mark.parametrize("return_cols", [True, False])
def test_an_empty_batch_gives_an_empty_output(return_cols):
    x, w = np.zeros((0, 2, 5, 5)), np.ones((3, 2, 3, 3))
    out = conv_im2col.conv2d_im2col(x, w, np.ones(3), return_cols=return_cols)
    y = out[0] if return_cols else out
    assert y.shape == (0, 3, 3, 3)
