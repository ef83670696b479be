"""The backprop explorer: its numbers against finite differences and SciPy, its live
callbacks, the outlined contributors, and the weight of its static panel."""

import numpy as np
import pytest
from finite_differences import numerical_grad as numerical_gradient
from scipy import signal

from cnn_lib.functional.conv import conv2d
from cnn_lib.functional.pooling import max_pool2d
from cnn_lib.functional.softmax import cross_entropy
from cnn_lib.layers.dropout import Dropout
from cnn_lib.widgets.backprop import KERNELS, backprop_explorer, contributors

pytest.importorskip("ipywidgets")


def check_conv(results):
    x, k, G = results["x"].copy(), results["kernel"].copy(), results["G"]

    def loss():
        return np.sum(G * conv2d(x[None, None], k[None, None])[0, 0])

    np.testing.assert_allclose(results["dK"], numerical_gradient(loss, k), atol=1e-6)
    np.testing.assert_allclose(results["dX"], numerical_gradient(loss, x), atol=1e-6)
    np.testing.assert_allclose(results["dK"], signal.correlate2d(x, G, "valid"), atol=1e-12)
    np.testing.assert_allclose(results["dX"], signal.convolve2d(G, k, "full"), atol=1e-12)


def view_html(ex, name):
    return ex._view_widgets[name][0].value


def test_default_example_matches_finite_differences():
    ex = backprop_explorer()
    assert ex.results["x"].shape == (5, 5) and ex.results["G"].shape == (3, 3)
    check_conv(ex.results)


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_live_kernel_and_seed_changes_redraw_with_correct_gradients(kernel):
    ex = backprop_explorer()
    ex.widget()
    before_x, before_dx = ex.results["x"].copy(), view_html(ex, "dX")
    ex.set(kernel=kernel, seed=3)
    assert not np.array_equal(ex.results["x"], before_x)  # a new example
    np.testing.assert_array_equal(ex.results["kernel"], np.array(KERNELS[kernel], dtype=float))
    assert view_html(ex, "dX") != before_dx
    check_conv(ex.results)


def test_selected_cell_moves_the_note_and_target_limits_the_sliders():
    ex = backprop_explorer()
    ex.set(row=3, col=4)
    assert "dL/dx[3, 4]" in view_html(ex, "note")
    value = ex.results["dX"][3, 4]
    assert f"<b>{value:g}</b>" in view_html(ex, "note")
    ex.set(target="dL/dw")
    assert ex.widgets["row"].max == 2 and ex.widgets["row"].value == 2
    assert "dL/dw[2, 2]" in view_html(ex, "note")
    ex.set(target="dL/dx")
    assert ex.widgets["row"].max == 4


@pytest.mark.parametrize("target", ["dX", "dK"])
def test_outlined_cells_are_exactly_those_that_change_the_selected_gradient(target):
    rng = np.random.default_rng(0)
    x, k, G = rng.normal(size=(5, 5)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))

    def gradient(x, k, G):
        return (
            signal.convolve2d(G, k, "full") if target == "dX" else signal.correlate2d(x, G, "valid")
        )

    for row, col in np.ndindex(5, 5):
        who = contributors(target, row, col)
        cell = who["cell"]
        base = gradient(x, k, G)[cell]
        for name, array in (("x", x), ("G", G), ("K", k)):
            if target == "dX" and name == "x":
                continue  # dX does not depend on x; the outline marks the cell's position
            changed = set()
            for index in np.ndindex(array.shape):
                bumped = array.copy()
                bumped[index] += 1.0
                args = {"x": x, "K": k, "G": G, name: bumped}
                if abs(gradient(args["x"], args["K"], args["G"])[cell] - base) > 1e-9:
                    changed.add(index)
            if target == "dK" and name == "K":
                assert changed == set()
            else:
                assert changed == set(who[name]), (name, row, col)


def test_max_pooling_routes_to_the_argmax():
    ex = backprop_explorer()
    ex.set(topic="max pooling", seed=2)
    assert view_html(ex, "topic") and not view_html(ex, "x")
    from cnn_lib.widgets.backprop import example

    data = example(2)
    x, G = data["pool_x"].copy(), data["pool_G"]

    def loss():
        return np.sum(G * max_pool2d(x[None, None], 2)[0, 0])

    np.testing.assert_allclose(ex.results["pool_dX"], numerical_gradient(loss, x), atol=1e-6)


def test_dropout_backward_is_mask_times_upstream_over_keep_probability():
    from cnn_lib.widgets.backprop import example

    ex = backprop_explorer()
    ex.set(topic="dropout", seed=4)
    mask, G = ex.results["drop_mask"], example(4)["drop_G"]
    assert 0 < mask.sum() < mask.size
    reference = Dropout(0.5)
    reference.fixed_mask = mask
    x = np.ones((4, 4))

    def loss():
        return np.sum(G * reference(x))

    numeric = numerical_gradient(loss, x)
    np.testing.assert_allclose(ex.results["drop_dX"], numeric, atol=1e-6)
    np.testing.assert_allclose(ex.results["drop_dX"], np.where(mask, G / 0.5, 0.0))


@pytest.mark.parametrize("seed", [0, 5])
def test_softmax_cross_entropy_gradient(seed):
    from cnn_lib.widgets.backprop import example

    ex = backprop_explorer()
    ex.set(topic="softmax + cross-entropy", seed=seed)
    data = example(seed)
    z, y = data["logits"][None].copy(), np.array([data["target"]])
    numeric = numerical_gradient(lambda: cross_entropy(z, y), z)[0]
    np.testing.assert_allclose(ex.results["softmax_grad"], numeric, atol=1e-6)
    assert "\u0177 - y" in view_html(ex, "topic").replace("\u2212", "-")


def test_static_panel_is_light_and_offline():
    ex = backprop_explorer()
    page = ex.to_html()
    assert "http://" not in page and "https://" not in page
    assert len(page.encode()) < 250_000
    assert "Backpropagation explorer" in page
    # precomputing every frame left the live results of the default example in place
    check_conv(ex.results)
