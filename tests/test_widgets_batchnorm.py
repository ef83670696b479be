"""The batch-norm explorer: its numbers against batch norm written out by hand, and its panel."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import signal
from test_widgets_explorers import check_static

from cnn_lib.datasets import load_sample
from cnn_lib.widgets import batchnorm_explorer, svg

EPS = 1e-5  # BatchNorm2d's default


@pytest.fixture(scope="module")
def explorer():
    return batchnorm_explorer()


@pytest.fixture(scope="module")
def channel():
    """The default channel, by SciPy: 512 sample images, each blurred by a 3x3 box."""
    (x, _), _ = load_sample()
    box = np.full((1, 1, 3, 3), 1 / 9)
    return signal.correlate(x[:512].astype(np.float64), box, mode="valid")


@pytest.mark.parametrize("size", [2, 8, 64])
@pytest.mark.parametrize("draw", [0, 3])
def test_training_mode_normalizes_with_the_batch_statistics(explorer, size, draw):
    r = explorer.compute(size=size, draw=draw, mode="train")
    batch = r["batch"]
    assert batch.shape[0] == size
    expected = (batch - batch.mean()) / np.sqrt(batch.var() + EPS)  # biased variance
    np.testing.assert_allclose(r["normalized"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r["first"], expected[0], rtol=1e-5, atol=1e-6)
    assert r["mean"] == pytest.approx(batch.mean()) and r["std"] == pytest.approx(batch.std())


def test_evaluation_mode_uses_the_whole_sets_running_statistics(explorer, channel):
    assert channel.shape == (512, 1, 26, 26)
    r = explorer.compute(size=8, draw=1, mode="eval")
    # the running variance is the unbiased variance of the whole set (momentum 1)
    mean, var = channel.mean(), channel.var(ddof=1)
    expected = (r["batch"] - mean) / np.sqrt(var + EPS)
    np.testing.assert_allclose(r["normalized"], expected, rtol=1e-5, atol=1e-5)


def test_image_1_is_in_every_batch_and_moves_only_in_training_mode(explorer, channel):
    firsts = {}
    for mode in ("train", "eval"):
        runs = [explorer.compute(size=4, draw=d, mode=mode) for d in range(3)]
        for r in runs:
            np.testing.assert_allclose(r["batch"][0], channel[0], atol=1e-12)
        firsts[mode] = [r["first"].mean() for r in runs]
    assert np.ptp(firsts["train"]) > 0.01  # its companions change its normalized values
    assert np.ptp(firsts["eval"]) == 0  # the running statistics do not


def test_static_panel_has_three_sliders_and_both_histograms(explorer):
    data = check_static(explorer)
    assert [len(c["labels"]) for c in data["controls"]] == [4, 2, 2]
    html = explorer.to_html()
    assert html.count('role="img"') == 2
    assert "before: blurred pixels" in html and "after BatchNorm2d (train)" in html


def test_y_label_is_centred_on_the_left_edge_with_its_own_coordinates_positive():
    # A rotated label whose own x coordinates start below 0 is measured by the
    # browser as horizontal overflow (the batch-norm panel's "+31 px").
    ax = svg.Axes((0, 1), (0, 0.6), width=260, height=200)
    label = "share of values"
    (tag,) = re.findall(r"<text [^>]*transform[^>]*>" + label, ax.frame("x", label))
    x, y = (float(re.search(f' {k}="([-0-9.]+)"', tag)[1]) for k in "xy")
    dy, angle = map(
        float, re.search(r"translate\(0 ([-0-9.]+)\) rotate\(([-0-9.]+)\)", tag).groups()
    )
    # translate(0 dy) rotate(-90): (x, y) -> (y, dy - x), by hand
    assert angle == -90
    assert (y, dy - x) == (11, (ax.top + ax.bottom) / 2)
    half = 6 * len(label) / 2  # about 6 px per character of the 11 px font
    assert x - half >= 0
