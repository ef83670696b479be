"""The in-browser panels: convolution playground and draw-and-convolve (Python side).

The numbers each panel embeds for the browser tests are checked here against
independent references: the output-size formula written out, a plain loop
convolution written in this file, and scipy.signal.correlate2d.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import signal

from cnn_lib.datasets import load_sample
from cnn_lib.functional.padding import conv_output_size
from cnn_lib.widgets import conv_playground, draw, draw_and_convolve, playground

BLOB = re.compile(r'<script type="application/json" class="cnn-data">(.*?)</script>', re.S)


def payload(html_text: str) -> dict:
    (text,) = BLOB.findall(html_text)
    return json.loads(text)


def loop_conv(x, w, stride, dilation):
    """y[r, c] = sum_ij x[r*s + i*d, c*s + j*d] * w[i, j], written out (no cnn_lib)."""
    k = w.shape[0]
    span = dilation * (k - 1) + 1
    oh = (x.shape[0] - span) // stride + 1
    ow = (x.shape[1] - span) // stride + 1
    y = np.zeros((oh, ow), dtype=np.int64)
    for r in range(oh):
        for c in range(ow):
            for i in range(k):
                for j in range(k):
                    y[r, c] += x[r * stride + i * dilation, c * stride + j * dilation] * w[i, j]
    return y


@pytest.fixture(scope="module")
def panels():
    return conv_playground().to_html(), draw_and_convolve().to_html()


def test_panels_are_self_contained(panels):
    for text in panels:
        assert "http://" not in text and "https://" not in text
        assert "<script src" not in text and "<link" not in text
        assert "@import" not in text


def test_javascript_is_inlined(panels):
    play, drawn = panels
    assert playground.javascript() in play
    assert draw.javascript() in drawn
    assert "function outSize" in play and "function correlate2d" in drawn


def test_every_instance_gets_its_own_id():
    ids = [
        re.search(r'class="cnn-panel [^"]*" id="([^"]+)"', p.to_html()).group(1)
        for p in (conv_playground(), conv_playground(), draw_and_convolve(), draw_and_convolve())
    ]
    assert len(set(ids)) == 4


def test_mimebundle_is_html():
    for panel in (conv_playground(), draw_and_convolve(np.zeros((1, 8, 8)))):
        bundle = panel._repr_mimebundle_()
        assert bundle["text/html"].startswith('<div class="cnn-panel')
        assert type(panel).__name__ in bundle["text/plain"]


def test_playground_embeds_the_inputs_and_correct_results(panels):
    data = payload(panels[0])
    x_full, w_full = np.array(data["input"]), np.array(data["kernel"])
    assert x_full.shape == (9, 9) and w_full.shape == (5, 5)
    assert set(np.unique(x_full)) <= set(range(10)), "small integers keep the cells readable"
    assert len(data["checks"]) >= 4
    for check in data["checks"]:
        s = check["settings"]
        n, k, st, d = s["n"], s["k"], s["stride"], s["dilation"]
        expected_size = [
            (n + s["top"] + s["bottom"] - d * (k - 1) - 1) // st + 1,
            (n + s["left"] + s["right"] - d * (k - 1) - 1) // st + 1,
        ]
        assert check["size"] == expected_size
        padded = np.pad(x_full[:n, :n], ((s["top"], s["bottom"]), (s["left"], s["right"])))
        w = w_full[:k, :k]
        w = w[::-1, ::-1] if s["flip"] else w
        np.testing.assert_array_equal(check["output"], loop_conv(padded, w, st, d))
    # Cover the features the browser must get right: asymmetric padding, stride, dilation, flip.
    settings = [c["settings"] for c in data["checks"]]
    assert any(s["top"] != s["bottom"] for s in settings)
    assert any(s["stride"] > 1 and s["dilation"] > 1 for s in settings)
    assert any(s["flip"] for s in settings)


def test_playground_default_worked_by_hand(panels):
    data = payload(panels[0])
    x, w = np.array(data["input"]), np.array(data["kernel"])
    first = data["checks"][0]
    assert first["settings"]["n"] == 5 and first["settings"]["k"] == 3
    by_hand = sum(x[i, j] * w[i, j] for i in range(3) for j in range(3))
    assert first["output"][0][0] == by_hand
    assert first["size"] == [conv_output_size(5, 3), conv_output_size(5, 3)]


def test_draw_exports_sample_images_and_python_result(panels):
    data = payload(panels[1])
    images = np.array(data["images"])
    assert images.shape == (6, 28, 28)
    _, (x_test, _) = load_sample()
    for image in images:  # each exported image is a sample test image, rounded
        assert np.min(np.abs(x_test[:, 0] - image).max(axis=(1, 2))) < 1e-4
    kernel = np.array(data["kernels"][data["defaultKernel"]], dtype=np.float64)
    for mode, maps in data["reference"].items():
        assert mode in ("valid", "same")
        for image, result in zip(images, maps, strict=True):
            np.testing.assert_allclose(
                result, signal.correlate2d(image, kernel, mode=mode), atol=1e-6
            )


def test_draw_kernel_presets_are_3x3_and_named():
    assert {"Sobel x", "Sobel y", "blur", "sharpen", "identity"} <= set(draw.KERNELS)
    for k in draw.KERNELS.values():
        assert np.shape(k) == (3, 3)
    assert np.sum(draw.KERNELS["blur"]) == 1.0


def test_draw_accepts_own_images():
    panel = draw_and_convolve(np.ones((3, 1, 10, 12)))
    data = payload(panel.to_html())
    assert np.shape(data["images"]) == (3, 10, 12)
    assert np.shape(data["reference"]["valid"][0]) == (8, 10)


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 28, 28, 3)), np.zeros((0, 28, 28)), np.zeros((1, 2, 5))]
)
def test_draw_rejects_bad_images(bad):
    with pytest.raises(ValueError, match=r"images must have shape .*got shape"):
        draw_and_convolve(bad)
