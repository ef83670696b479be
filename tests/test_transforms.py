"""Batch transforms: seeded, equal to a per-image loop written here, no loop inside."""

from __future__ import annotations

import ast
import inspect
import textwrap

import numpy as np
import pytest

from cnn_lib import transforms as T

rng = np.random.default_rng(5)


def test_random_crop_equals_padding_then_slicing_each_image_at_its_offset():
    x = rng.normal(size=(6, 2, 5, 5)).astype(np.float32)
    out = T.RandomCrop(4, padding=1, rng=0)(x)
    draw = np.random.default_rng(0)
    top, left = draw.integers(0, 4, 6), draw.integers(0, 4, 6)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for n in range(6):
        assert np.array_equal(out[n], padded[n, :, top[n] : top[n] + 4, left[n] : left[n] + 4])


def test_flip_mirrors_exactly_the_drawn_images():
    x = rng.normal(size=(50, 1, 3, 4))
    out = T.RandomHorizontalFlip(p=0.5, rng=1)(x)
    flipped = np.random.default_rng(1).random(50) < 0.5
    assert np.array_equal(out[flipped], x[flipped][..., ::-1])
    assert np.array_equal(out[~flipped], x[~flipped])
    assert 0 < flipped.sum() < 50
    assert np.array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])


def test_the_same_seed_gives_the_same_batch():
    x = rng.normal(size=(8, 3, 6, 6))
    make = lambda: T.Compose([T.RandomCrop(6, padding=2, rng=7), T.RandomHorizontalFlip(rng=8)])  # noqa: E731
    assert np.array_equal(make()(x), make()(x))


def test_normalize_by_hand_and_compose_order():
    x = (np.ones((2, 2, 2, 2)) * np.array([1.0, 3.0]).reshape(1, 2, 1, 1)).astype(np.float32)
    out = T.Normalize(mean=[1.0, 1.0], std=[1.0, 2.0])(x)
    assert np.allclose(out[:, 0], 0) and np.allclose(out[:, 1], 1)
    assert out.dtype == np.float32
    both = T.Compose([T.Normalize([1.0, 1.0], [1.0, 2.0]), T.RandomHorizontalFlip(p=1.0)])
    assert np.array_equal(both(x), out[..., ::-1])


def test_no_python_loop_over_the_images():
    loops = (ast.For, ast.While, ast.comprehension)
    for cls in (T.RandomCrop, T.RandomHorizontalFlip, T.Normalize):
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__call__)))
        assert not any(isinstance(node, loops) for node in ast.walk(tree)), cls


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="larger than the padded image"):
        T.RandomCrop(9)(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="padding"):
        T.RandomCrop(3, padding=-1)
    with pytest.raises(ValueError, match="probability"):
        T.RandomHorizontalFlip(p=2)
    with pytest.raises(ValueError, match="statistics for 2 channels, got images with 3"):
        T.Normalize([0, 0], [1, 1])(np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="std must be positive"):
        T.Normalize([0], [0])
    with pytest.raises(ValueError, match="4-D"):
        T.RandomHorizontalFlip()(np.ones((3, 4, 4)))
    with pytest.raises(ValueError, match="callables"):
        T.Compose([1])
