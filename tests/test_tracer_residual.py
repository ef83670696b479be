"""trace / summary of residual networks: shapes from a real forward pass, parameter
counts from parameters(), receptive fields from where one output's gradient is non-zero."""

from __future__ import annotations

import numpy as np
import pytest

import cnn_lib as cl


def _net():
    block = cl.Sequential(
        cl.Conv2d(2, 4, 3, stride=2, padding=1, rng=1),
        cl.BatchNorm2d(4),
        cl.Tanh(),
        cl.Conv2d(4, 4, 3, padding=1, rng=2),
    )
    return cl.Sequential(
        cl.Conv2d(1, 2, 3, padding=1, rng=0),
        cl.Tanh(),
        cl.Residual(block, shortcut=cl.Conv2d(2, 4, 1, stride=2, rng=3)),
        cl.Residual(cl.Sequential(cl.Conv2d(4, 4, 3, padding=1, rng=4), cl.Tanh())),
    )


def test_shapes_and_parameters_match_a_forward_pass():
    model = _net().eval()
    rows = cl.trace(model, (1, 12, 12))
    out = model(np.zeros((1, 1, 12, 12)))
    assert rows[-1].output_shape == out.shape[1:]
    assert sum(r.params for r in rows) == sum(p.data.size for p in model.parameters())
    names = [r.index for r in rows]
    assert "2.block.0" in names and "2.shortcut.0" in names and "2" in names
    assert cl.summary(model, (1, 12, 12)).total_params == sum(
        p.data.size for p in model.parameters()
    )


def test_receptive_field_equals_where_one_output_gradient_is_non_zero():
    model = _net().eval()
    x = np.random.default_rng(0).normal(size=(1, 1, 24, 24))
    out = model(x)
    g = np.zeros_like(out)
    g[0, 0, 6, 6] = 1.0  # a unit in the middle: its field fits inside the image
    grad = model.backward(g)[0, 0]
    rows, cols = np.nonzero(np.abs(grad) > 1e-12)
    seen = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    assert cl.trace(model, (1, 24, 24))[-1].receptive_field == seen


def test_mismatched_paths_are_reported():
    bad = cl.Sequential(cl.Residual(cl.Conv2d(1, 2, 3, padding=1, rng=0)))
    with pytest.raises(ValueError, match="the block gives shape"):
        cl.trace(bad, (1, 6, 6))
