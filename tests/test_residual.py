"""Residual: y = block(x) + shortcut(x); both paths' gradients add up."""

from __future__ import annotations

import numpy as np
import pytest

import cnn_lib as cl

rng = np.random.default_rng(4)


def test_identity_shortcut_adds_the_input_and_passes_the_gradient_through():
    block = cl.Sequential(cl.Conv2d(2, 2, 3, padding=1, rng=0), cl.ReLU())
    res = cl.Residual(block)
    x = rng.normal(size=(2, 2, 4, 4))
    assert np.allclose(res(x), block(x) + x)
    g = rng.normal(size=(2, 2, 4, 4))
    block(x)
    assert np.allclose(res.backward(g), block.backward(g) + g)


def test_gradcheck_with_identity_and_with_a_strided_1x1_conv_shortcut():
    same = cl.Residual(cl.Sequential(cl.Conv2d(2, 2, 3, padding=1, rng=0), cl.Tanh()))
    assert cl.gradcheck(same, rng.normal(size=(2, 2, 5, 5))) < 1e-6
    down = cl.Residual(
        cl.Sequential(cl.Conv2d(2, 4, 3, stride=2, padding=1, rng=1), cl.BatchNorm2d(4)),
        shortcut=cl.Conv2d(2, 4, 1, stride=2, rng=2),
    )
    x = rng.normal(size=(3, 2, 6, 6))
    down(x)  # running statistics away from their start
    assert down(x).shape == (3, 4, 3, 3)
    assert cl.gradcheck(down, x) < 1e-6


def test_parameters_of_both_paths_are_found_and_named():
    down = cl.Residual(cl.Conv2d(2, 4, 3, padding=1, rng=0), shortcut=cl.Conv2d(2, 4, 1, rng=1))
    names = [name for name, _ in down.named_parameters()]
    assert names == ["block.weight", "block.bias", "shortcut.weight", "shortcut.bias"]


def test_shape_mismatch_suggests_a_1x1_conv_shortcut():
    res = cl.Residual(cl.Conv2d(2, 4, 3, padding=1, rng=0))
    with pytest.raises(ValueError, match=r"shortcut=Conv2d\(C_in, C_out, 1, stride=s\)"):
        res(np.ones((1, 2, 4, 4)))
    with pytest.raises(ValueError, match="must be a Module"):
        cl.Residual(print)


def test_equal_to_torch():
    torch = pytest.importorskip("torch")
    conv, short = cl.Conv2d(2, 3, 3, padding=1, rng=0), cl.Conv2d(2, 3, 1, rng=1)
    tconv, tshort = torch.nn.Conv2d(2, 3, 3, padding=1).double(), torch.nn.Conv2d(2, 3, 1).double()
    with torch.no_grad():
        for ours, theirs in ((conv, tconv), (short, tshort)):
            theirs.weight.copy_(torch.from_numpy(ours.weight.data.astype(np.float64)))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data.astype(np.float64)))
    x = rng.normal(size=(2, 2, 5, 5))
    t = torch.from_numpy(x)
    want = (tconv(t) + tshort(t)).detach().numpy()
    assert np.allclose(cl.Residual(conv, shortcut=short)(x), want)
