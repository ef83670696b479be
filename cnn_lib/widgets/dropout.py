"""``dropout_explorer``: which units dropout silences, and how it rescales the rest.

Taught in chapter 11 (dropout); notation: drop probability ``p_drop``, mask ``r``
(1 keep, 0 drop).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.layers.dropout import Dropout
from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View


def dropout_explorer(activations=None):
    """A drop probability ``p_drop`` slider and a train / eval toggle -> the mask and the output.

    Parameters
    ----------
    activations : array_like, shape (H, W), optional
        Default: a 6x6 grid of positive values (seeded, so every build is the same).

    Returns
    -------
    Explorer
        ``explorer.results`` holds ``"input"``, ``"mask"`` (True = kept) and
        ``"output"`` of ``cnn_lib.layers.Dropout(p_drop, rng=seed)``. In eval
        mode the ``p_drop`` and seed sliders do nothing, so they are hidden.

    Examples
    --------
    >>> ex = dropout_explorer()
    >>> ex.set(p_drop=0.5, mode="eval")
    >>> bool((ex.results["output"] == ex.results["input"]).all())
    True
    """
    if activations is None:
        activations = np.random.default_rng(0).uniform(0.2, 1.0, (6, 6)).round(1)
    x = np.asarray(activations, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"activations must be 2-D (H, W), got shape {x.shape}")
    top = 2 * float(np.abs(x).max())  # the colour scale: where p_drop = 0.5 puts kept units
    controls = [
        slider(
            "p_drop",
            0.0,
            0.9,
            0.05,
            default=0.5,
            static=np.arange(10) / 10,
            label="drop probability p_drop",
            fmt="{:.2f}",
        ),
        choice("mode", ["train", "eval"], kind="toggle"),
        slider("seed", 0, 99, default=0, static=[0, 1, 2], label="mask seed"),
    ]

    def compute(p_drop, mode, seed):
        layer = Dropout(p_drop, rng=seed)
        if mode == "eval":
            layer.eval()
        out = layer(x)
        mask = layer.mask if mode == "train" else np.ones(x.shape, dtype=bool)
        return {"input": x, "mask": mask, "output": out}

    def run(**values):
        r = compute(**values)
        return r["output"], r["mask"]

    def show_input(**_):
        return markup.heatmap_table(x, cmap="Blues", limit=top, fmt="{:.1f}", title="activations x")

    def show_mask(**values):
        _, mask = run(**values)
        return markup.img(
            mask.astype(float),
            size=150,
            vmin=0,
            vmax=1,
            title=f"mask r: {int(mask.sum())} of {mask.size} kept (white 1 = keep, black 0 = drop)",
        )

    def show_output(p_drop, mode, seed):
        out, _ = run(p_drop=p_drop, mode=mode, seed=seed)
        scale = "" if mode == "eval" else f" = x \u00b7 r / (1 \u2212 {p_drop:.2f})"
        return markup.heatmap_table(
            out, cmap="Blues", limit=top, fmt="{:.1f}", title=f"output{scale}"
        )

    def show_note(p_drop, mode, seed):
        out, mask = run(p_drop=p_drop, mode=mode, seed=seed)
        p = p_drop
        if mode == "eval":
            text = "<b>eval()</b>: dropout is the identity; nothing is dropped or rescaled."
        else:
            text = (
                f"<b>train()</b>: each unit is dropped with probability p<sub>drop</sub> = "
                f"{p:.2f}; the {int(mask.sum())} survivors are multiplied by "
                f"1 / (1 &minus; p<sub>drop</sub>) = "
                f"{1 / (1 - p):.2f}, so the expected output equals x "
                f"(mean {x.mean():.2f} in, {out.mean():.2f} out this time)."
            )
        return markup.note(text)

    views = [
        View("input", show_input, ()),
        View("mask", show_mask),
        View("output", show_output),
        View("note", show_note),
    ]

    def visible(mode, **_):  # eval() ignores p_drop and the seed
        return dict.fromkeys(("p_drop", "seed"), mode == "train")

    layout = [["input", "mask", "output"], ["note"]]
    return Explorer("Dropout explorer", controls, views, layout, visible=visible, compute=compute)
