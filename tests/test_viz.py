"""The matplotlib helpers draw what they are given, with the book's colour conventions.

They build ``Figure`` objects without pyplot, so no backend or display is involved.
"""

from __future__ import annotations

import matplotlib.colors
import numpy as np
import pytest
from matplotlib.figure import Figure

from cnn_lib import viz

RNG = np.random.default_rng(0)


def test_show_images_draws_each_image_in_grey_with_its_class_name():
    images = RNG.random((5, 1, 6, 6))
    fig = viz.show_images(images, labels=[2, 0, 1, 1, 0], class_names=["a", "b", "c"], ncols=3)
    assert isinstance(fig, Figure)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 5 and len(fig.axes) == 6  # 2 rows of 3, the last slot empty
    assert [ax.get_title() for ax in drawn] == ["c", "a", "b", "b", "a"]
    for ax, image in zip(drawn, images, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), image[0])
        assert ax.images[0].get_cmap().name == "gray"


def test_show_images_draws_colour_images_in_colour():
    fig = viz.show_images(RNG.random((2, 3, 4, 4)))
    assert fig.axes[0].images[0].get_array().shape == (4, 4, 3)


def test_show_images_rejects_other_shapes():
    with pytest.raises(ValueError, match="images must be"):
        viz.show_images(np.zeros((2, 2, 4, 4)))


def test_show_kernels_uses_a_diverging_map_centred_at_zero_and_prints_values():
    weights = np.array([[[[0.5, -2.0], [1.0, 0.0]]], [[[0.25, 0.1], [-0.3, 1.5]]]])  # (2,1,2,2)
    fig = viz.show_kernels(weights)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 2
    for ax in axes:
        image = ax.images[0]
        assert image.get_cmap().name == "RdBu_r"
        assert image.get_clim() == (-2.0, 2.0)  # symmetric: the largest |weight| of all
    texts = [t.get_text() for t in axes[0].texts]
    assert texts == ["0.5", "-2", "1", "0"]


def test_show_kernels_of_a_multi_channel_layer_has_one_panel_per_channel_pair():
    fig = viz.show_kernels(RNG.normal(size=(3, 2, 3, 3)), values=False)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 6 and not any(ax.texts for ax in axes)


def test_show_kernels_rejects_a_vector():
    with pytest.raises(ValueError, match="weights must be"):
        viz.show_kernels(np.ones(3))


def test_show_feature_maps_one_panel_per_channel():
    maps = RNG.random((1, 4, 5, 5))
    fig = viz.show_feature_maps(maps, ncols=2)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == [f"channel {c}" for c in range(4)]
    np.testing.assert_array_equal(axes[3].images[0].get_array(), maps[0, 3])
    with pytest.raises(ValueError, match="maps must be"):
        viz.show_feature_maps(np.ones((2, 3, 4, 4)))


def test_plot_history_plots_every_metric_against_the_epoch_number():
    history = {"loss": [1.0, 0.5, 0.3], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.2, 0.7, 0.6],
               "val_accuracy": [0.4, 0.6, 0.7]}  # fmt: skip
    fig = viz.plot_history(history)
    loss_ax, acc_ax = fig.axes
    for ax, key in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["training", "validation"]
        np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines[0].get_ydata(), history[key])
        np.testing.assert_array_equal(lines[1].get_ydata(), history["val_" + key])


def confusion_by_hand(y_true, y_pred, n):
    counts = np.zeros((n, n), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        counts[t, p] += 1
    return counts


def test_confusion_matrix_counts_pairs():
    y_true = RNG.integers(0, 4, 200)
    y_pred = np.where(RNG.random(200) < 0.7, y_true, RNG.integers(0, 4, 200))
    counts = viz.confusion_matrix(y_true, y_pred, num_classes=5)
    assert counts.shape == (5, 5)
    np.testing.assert_array_equal(counts, confusion_by_hand(y_true, y_pred, 5))
    with pytest.raises(ValueError, match="same length"):
        viz.confusion_matrix([0, 1], [0])


def test_plot_confusion_matrix_prints_counts_or_row_fractions():
    y_true, y_pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 0]
    fig = viz.plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), confusion_by_hand(y_true, y_pred, 3))
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "2", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    fig = viz.plot_confusion_matrix(y_true, y_pred, normalize=True)
    rows = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(rows.sum(axis=1), [1, 1, 1])
    np.testing.assert_allclose(rows[0], [2 / 3, 1 / 3, 0])


def test_images_draw_zero_black_and_one_white():
    fig = viz.show_images(np.array([[[0.0, 0.5], [0.5, 0.5]]]))  # no pixel reaches 1
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert "black = 0" in fig.alt_text


def test_printed_kernel_values_pass_wcag_contrast():
    fig = viz.show_kernels(np.array([[-1.0, -0.5, 0.0], [0.25, 0.6, 1.0], [0.9, -0.9, 0.1]]))
    ax = fig.axes[0]
    image = ax.images[0]
    for t in ax.texts:
        c, r = (int(round(v)) for v in t.get_position())
        cell = np.asarray(image.to_rgba(image.get_array()[r, c], bytes=True))[:3] / 255
        text = np.asarray(matplotlib.colors.to_rgb(t.get_color()))

        def lum(rgb):  # WCAG 2.1 relative luminance, written out here
            lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
            return lin @ [0.2126, 0.7152, 0.0722]

        hi, lo = sorted((lum(cell), lum(text)), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, t.get_text()


def test_every_figure_has_alt_text():
    figures = [
        viz.show_images(np.zeros((2, 4, 4))),
        viz.show_kernels(np.eye(3)),
        viz.show_feature_maps(np.ones((2, 3, 3))),
        viz.plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8]}),
        viz.plot_confusion_matrix([0, 1, 1], [0, 1, 0]),
    ]
    assert all(len(fig.alt_text) > 20 for fig in figures)
