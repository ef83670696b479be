"""Each explorer: live callbacks checked against independent references, and its static panel."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from scipy import signal
from test_widgets_static import panel_data, parse

from cnn_lib.widgets import (
    KERNELS,
    activation_explorer,
    conv_arithmetic_explorer,
    dropout_explorer,
    kernel_explorer,
    pooling_explorer,
    softmax_explorer,
)
from cnn_lib.widgets.arithmetic import geometry
from cnn_lib.widgets.kernels import CUSTOM

PAGE_BUDGET = 3_000_000  # bytes per book page; one explorer must use well under it


def check_static(explorer, budget=1_000_000):
    """The static panel is well formed, self-contained, bounded; returns its JSON data."""
    text = explorer.to_html()
    assert len(text.encode()) < budget
    assert "http://" not in text and "https://" not in text
    data = panel_data(text)
    parser = parse(text)
    shown = [c for c in explorer.controls.values() if len(c.static) > 1]
    assert len(parser.ranges) == len(shown) == len(data["controls"])
    for control, spec, rng in zip(shown, data["controls"], parser.ranges, strict=True):
        assert len(spec["labels"]) == len(control.static) == int(rng["max"]) + 1
    for view in data["views"]:
        sizes = [len(data["controls"][d]["labels"]) for d in view["deps"]]
        assert len(view["items"]) == math.prod(sizes)
        assert max(view["items"]) < len(data["strings"])
    return data


def timed_set(explorer, **values) -> float:
    """Move live controls and return the wall time of the redraw (seconds)."""
    explorer.widget()
    start = time.perf_counter()
    explorer.set(**values)
    return time.perf_counter() - start


# --- kernel explorer -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("kernel", ["Sobel x", "sharpen", "emboss", "Gaussian blur"])
def test_kernel_explorer_output_is_the_cross_correlation(kernel, mode):
    ex = kernel_explorer()
    ex.widget()
    ex.set(image=1, kernel=kernel, mode=mode)
    image = ex.results["image"]
    expected = signal.correlate2d(image.astype(np.float64), KERNELS[kernel], mode=mode)
    np.testing.assert_allclose(ex.results["output"], expected, rtol=1e-5, atol=1e-5)


def test_kernel_explorer_cross_correlates_it_does_not_flip_the_kernel():
    image = np.zeros((5, 5))
    image[2, 2] = 1.0  # an impulse: correlation shows the kernel rotated by 180 degrees
    ex = kernel_explorer(image)
    ex.set(kernel="emboss", mode="same")
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = KERNELS["emboss"][::-1, ::-1]
    np.testing.assert_allclose(ex.results["output"], expected)


def test_kernel_explorer_own_weights_switch_to_the_custom_kernel():
    ex = kernel_explorer(np.arange(36.0).reshape(6, 6))
    ex.set(kernel="Sobel y")  # the preset sets the nine weight sliders ...
    assert [ex.values[f"w{r}{c}"] for r in range(3) for c in range(3)] == [
        -1,
        -2,
        -1,
        0,
        0,
        0,
        1,
        2,
        1,
    ]
    ex.set(w00=1.0, w11=0.5, w22=-1.0)  # ... and moving one makes the kernel your own
    assert ex.values["kernel"] is None and ex.widgets["kernel"].label == CUSTOM
    own = np.array([[1.0, -2, -1], [0, 0.5, 0], [1, 2, -1.0]])
    np.testing.assert_allclose(ex.results["kernel"], own)
    expected = signal.correlate2d(np.arange(36.0).reshape(6, 6), own, mode="valid")
    np.testing.assert_allclose(ex.results["output"], expected)


def test_kernel_explorer_shows_kernel_values_with_a_symmetric_diverging_scale():
    html = kernel_explorer(np.eye(6)).render_view("kernel", kernel=KERNELS["Sobel x"])
    cells = html.count("<td")
    assert cells == 9 and ">-2<" in html and ">2<" in html and ">0<" in html
    # -2 and +2 get mirror colours: same distance from white, opposite hue
    colours = {v: c for c, v in re.findall(r"background:#(\w{6})[^>]*>(-?\d)<", html)}
    neg = [int(colours["-2"][i : i + 2], 16) for i in (0, 2, 4)]
    pos = [int(colours["2"][i : i + 2], 16) for i in (0, 2, 4)]
    assert neg[2] > neg[0] and pos[0] > pos[2]  # blue for negative, red for positive
    assert colours["0"] in {"f7f7f7", "f6f7f7", "f7f6f6"}  # the colour map's centre is white


def test_kernel_explorer_rejects_bad_images():
    with pytest.raises(ValueError, match="images must be one image"):
        kernel_explorer(np.zeros((2, 3, 4, 4)))


def test_kernel_explorer_static_panel_covers_images_kernels_and_modes():
    ex = kernel_explorer()
    data = check_static(ex)
    labels = {tuple(c["labels"]) for c in data["controls"]}
    assert ("valid", "same", "full") in labels
    assert tuple(KERNELS) in labels  # the custom kernel is live-only
    assert ex.to_html().count('type="range"') == 3


# --- convolution arithmetic --------------------------------------------------------


def brute_force_positions(n, k, p, s):
    """Every top-left corner where a k-window fits inside the padded input, by scanning."""
    return [i for i in range(n + 2 * p) if i % s == 0 and i + k <= n + 2 * p]


@pytest.mark.parametrize(
    ("n", "k", "p", "s"), [(5, 3, 0, 1), (5, 3, 1, 2), (7, 2, 1, 3), (4, 4, 0, 1)]
)
def test_conv_arithmetic_geometry_matches_counting_window_positions(n, k, p, s):
    starts = brute_force_positions(n, k, p, s)
    g = geometry(n, k, p, s)
    assert g["out"] == len(starts)
    last = geometry(n, k, p, s, position=10_000)  # clamped to the last cell
    assert (last["top"], last["left"]) == (starts[-1], starts[-1])


def test_conv_arithmetic_live_highlight_follows_the_position_slider():
    ex = conv_arithmetic_explorer()
    ex.widget()
    ex.set(n=5, kernel_size=3, padding=1, stride=2)
    assert ex.widgets["position"].max == 3 * 3 - 1
    ex.set(position=5)  # row 1, col 2 of the 3x3 output
    box, _ = ex._view_widgets["window"]
    # the kernel's window starts at padded row 2, column 4 (22-pixel cells, 22 px title)
    assert '<rect x="89" y="66" width="66" height="66"' in box.value
    assert "= <b>3</b>" in ex._view_widgets["formula"][0].value
    assert "(1, 2)" in ex._view_widgets["where"][0].value


def test_conv_arithmetic_explains_a_kernel_that_does_not_fit():
    ex = conv_arithmetic_explorer()
    ex.widget()
    ex.set(n=3, kernel_size=5, padding=0)
    assert "cnn-error" in ex._view_widgets["grids"][0].value


def test_conv_arithmetic_static_panel():
    data = check_static(conv_arithmetic_explorer())
    assert [len(c["labels"]) for c in data["controls"]] == [4, 2, 2, 2, 64]


# --- pooling -------------------------------------------------------------------


def pool_by_hand(x, k, s, reduce):
    out = (x.shape[0] - k) // s + 1
    return np.array(
        [[reduce(x[i * s : i * s + k, j * s : j * s + k]) for j in range(out)] for i in range(out)]
    )


@pytest.mark.parametrize(("op", "reduce"), [("max", np.max), ("average", np.mean)])
@pytest.mark.parametrize(("k", "s"), [(2, 2), (3, 1), (3, 2), (2, 3)])
def test_pooling_explorer_matches_pooling_by_hand(op, reduce, k, s):
    ex = pooling_explorer()
    ex.widget()
    ex.set(source="feature map", op=op, kernel_size=k, stride=s)
    x = ex.results["input"]
    np.testing.assert_allclose(ex.results["output"], pool_by_hand(x, k, s, reduce), rtol=1e-6)


def test_pooling_feature_map_is_relu_of_sobel_x():
    image = np.random.default_rng(0).random((10, 10))
    ex = pooling_explorer(image)
    ex.set(source="feature map", kernel_size=1, stride=1)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    expected = np.maximum(signal.correlate2d(image, sobel, mode="same"), 0)
    np.testing.assert_allclose(ex.results["output"], expected, atol=1e-6)


def test_pooling_static_panel():
    data = check_static(pooling_explorer())
    assert [len(c["labels"]) for c in data["controls"]] == [2, 2, 2, 3]


# --- softmax -----------------------------------------------------------------------


def numeric_loss(z, t, target):
    p = np.exp(z / t - np.max(z / t))
    p /= p.sum()
    return -np.log(p[target])


@pytest.mark.parametrize(
    ("z", "t", "target"), [((2.0, 0.0, -2.0), 1.0, 0), ((1.0, 3.5, 0.2), 0.5, 2)]
)
def test_softmax_explorer_probabilities_loss_and_gradient(z, t, target):
    ex = softmax_explorer()
    ex.widget()
    ex.set(z0=z[0], z1=z[1], z2=z[2], temperature=t, target=target)
    z = np.array(z)
    expected = np.exp(z / t) / np.exp(z / t).sum()
    np.testing.assert_allclose(ex.results["probs"], expected, rtol=1e-6)
    assert ex.results["loss"] == pytest.approx(-np.log(expected[target]), rel=1e-6)
    eps = 1e-5  # the gradient against centred finite differences of the loss
    numeric = [
        (numeric_loss(z + eps * e, t, target) - numeric_loss(z - eps * e, t, target)) / (2 * eps)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(ex.results["grad"], numeric, rtol=1e-5, atol=1e-8)
    assert f"{-np.log(expected[target]):.3f}" in ex._view_widgets["loss"][0].value


def test_softmax_static_panel():
    data = check_static(softmax_explorer())
    assert [len(c["labels"]) for c in data["controls"]] == [4, 4, 4, 3, 3]


# --- dropout -----------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_explorer_scales_the_kept_units(p):
    ex = dropout_explorer()
    ex.widget()
    ex.set(p_drop=p, mode="train", seed=3)
    x, mask, out = (ex.results[k] for k in ("input", "mask", "output"))
    np.testing.assert_allclose(out, np.where(mask, x / (1 - p), 0.0))
    assert f"{int(mask.sum())} of 36 kept" in ex._view_widgets["mask"][0].value


def test_dropout_explorer_masks_depend_on_seed_and_p_and_vanish_in_eval():
    ex = dropout_explorer(np.ones((20, 20)))
    ex.widget()
    ex.set(p_drop=0.5, seed=1)
    first = ex.results["mask"].copy()
    ex.set(seed=2)
    assert not np.array_equal(first, ex.results["mask"])
    assert 0.35 < ex.results["mask"].mean() < 0.65  # about half of 400 units kept
    ex.set(p_drop=0.9)
    assert ex.results["mask"].mean() < 0.2
    ex.set(mode="eval")
    np.testing.assert_array_equal(ex.results["output"], np.ones((20, 20)))


def test_dropout_static_panel():
    data = check_static(dropout_explorer())
    assert [len(c["labels"]) for c in data["controls"]] == [10, 2, 3]


# --- activations ----------------------------------------------------------------------

CLOSED_FORMS = {
    "ReLU": (lambda x: max(x, 0.0), lambda x: float(x > 0)),
    "leaky ReLU (0.1)": (lambda x: x if x > 0 else 0.1 * x, lambda x: 1.0 if x > 0 else 0.1),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    "tanh": (math.tanh, lambda x: 1 / math.cosh(x) ** 2),
}


@pytest.mark.parametrize("function", list(CLOSED_FORMS))
@pytest.mark.parametrize("x", [-2.5, -0.3, 0.7, 3.0])
def test_activation_explorer_values_and_derivatives(function, x):
    f, df = CLOSED_FORMS[function]
    ex = activation_explorer()
    ex.widget()
    ex.set(function=function, x=x)
    assert ex.results["f"] == pytest.approx(f(x), rel=1e-6, abs=1e-9)
    assert ex.results["df"] == pytest.approx(df(x), rel=1e-6, abs=1e-9)
    h = 1e-6  # and the derivative against a finite difference of the closed form
    assert ex.results["df"] == pytest.approx((f(x + h) - f(x - h)) / (2 * h), rel=1e-4, abs=1e-6)


def test_activation_static_panel():
    data = check_static(activation_explorer())
    assert [len(c["labels"]) for c in data["controls"]] == [4, 17]


# --- speed of the live callbacks --------------------------------------------------------

LIVE_MOVES = {
    "kernel_explorer": (kernel_explorer, {"kernel": "Laplacian"}),
    "conv_arithmetic_explorer": (conv_arithmetic_explorer, {"position": 4}),
    "pooling_explorer": (pooling_explorer, {"kernel_size": 3}),
    "softmax_explorer": (softmax_explorer, {"z1": 1.3}),
    "dropout_explorer": (dropout_explorer, {"p_drop": 0.3}),
    "activation_explorer": (activation_explorer, {"x": -1.2}),
}


@pytest.mark.parametrize("name", list(LIVE_MOVES))
def test_live_redraw_is_fast(name):
    make, move = LIVE_MOVES[name]
    ex = make()
    seconds = timed_set(ex, **move)
    print(f"\n{name}: live redraw {1000 * seconds:.1f} ms")
    assert seconds < 1.0  # generous: the target is < 100 ms; no flaky tight bound
