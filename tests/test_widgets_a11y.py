"""Accessibility of the explorers' HTML, checked without a browser.

Contrast ratios follow WCAG 2.1 (relative luminance of sRGB colours); the
reference values are the ones WCAG's own examples give (black on white 21:1,
#777 on white about 4.48:1), not ones computed by the code under test.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import cnn_lib.widgets as widgets
from cnn_lib import _colour
from cnn_lib.widgets import markup
from cnn_lib.widgets.static import frames


def wcag_ratio(a: str, b: str) -> float:
    """Contrast of two ``#rrggbb`` / ``#rgb`` colours, written out from the WCAG formula."""

    def lum(hex_colour):
        h = hex_colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        out = []
        for i in (0, 2, 4):
            c = int(h[i : i + 2], 16) / 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio_matches_wcag_examples():
    assert _colour.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert _colour.contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert wcag_ratio("#777", "#fff") == pytest.approx(4.48, abs=0.01)


def test_the_chosen_text_colour_passes_aa_on_every_colour_of_the_maps():
    for cmap in (markup.DIVERGING, "Blues", "gray", "viridis"):
        for rgb in markup.to_rgb(np.linspace(0, 1, 257), cmap, 0, 1):
            hex_rgb = "#{:02x}{:02x}{:02x}".format(*rgb)
            assert wcag_ratio(hex_rgb, _colour.text_colour(rgb)) >= 4.5, (cmap, hex_rgb)


CELL = re.compile(r'<td style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{3,6})')


def every_string(explorer) -> str:
    return "".join(frames(explorer)["strings"])


def heat_map_explorers():
    trained = {"loss": [1.0, 0.5], "val_accuracy": [0.5, 1.0]}
    weights = [np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))]
    confusions = [np.eye(3, dtype=int) * 5, np.eye(3, dtype=int) * 9 + 1]
    return {
        "kernel": widgets.kernel_explorer(np.eye(8)),
        "backprop": widgets.backprop_explorer(),
        "dropout": widgets.dropout_explorer(),
        "evolution": widgets.kernel_evolution_explorer(weights),
        "training run": widgets.training_run_explorer(trained, weights, confusions),
    }


@pytest.mark.parametrize("name", list(heat_map_explorers()))
def test_every_heat_map_cell_of_every_frame_passes_wcag_aa(name):
    text = every_string(heat_map_explorers()[name])
    cells = CELL.findall(text)
    assert len(cells) == text.count("<td")  # every cell states its text colour
    assert cells
    worst = min(wcag_ratio(bg, fg) for bg, fg in cells)
    assert worst >= 4.5, f"{name}: worst contrast {worst:.2f}"


class _Figures(HTMLParser):
    """Collects every <img>, <svg> and <canvas> with its attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("img", "svg", "canvas"):
            self.found.append((tag, dict(attrs)))


def figures_of(html_text):
    parser = _Figures()
    parser.feed(html_text)
    return parser.found


@pytest.mark.parametrize(
    "make",
    [
        widgets.kernel_explorer,
        widgets.conv_arithmetic_explorer,
        widgets.pooling_explorer,
        widgets.activation_explorer,
        widgets.softmax_explorer,
        widgets.backprop_explorer,
        widgets.dropout_explorer,
        widgets.conv_playground,
        widgets.draw_and_convolve,
    ],
)
def test_every_figure_has_alternative_text(make):
    panel = make()
    text = every_string(panel) if isinstance(panel, widgets.Explorer) else panel.to_html()
    text += panel.to_html()
    for tag, attrs in figures_of(text):
        if tag == "img":
            assert attrs.get("alt"), attrs
        elif attrs.get("aria-hidden") != "true":
            assert attrs.get("role") == "img" and attrs.get("aria-label"), (tag, attrs)


def test_panels_label_every_range_input_and_suppress_jupyterlab_shortcuts():
    text = widgets.conv_arithmetic_explorer().to_html()
    ids = re.findall(r'<input type="range" id="([^"]+)"', text)
    assert len(ids) == 5
    for field in ids:
        assert f'<label for="{field}">' in text
    assert 'data-lm-suppress-shortcuts="true"' in text
    for panel in (widgets.conv_playground(), widgets.draw_and_convolve()):
        assert 'data-lm-suppress-shortcuts="true"' in panel.to_html()


def test_every_displayable_is_a_panel():
    assert issubclass(widgets.Explorer, widgets.Panel)
    for make in (widgets.conv_playground, widgets.draw_and_convolve, widgets.TrainingMonitor):
        assert isinstance(make(), widgets.Panel)
