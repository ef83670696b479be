"""``dropout_explorer``: which units dropout silences, and how it rescales the rest."""

from __future__ import annotations

import numpy as np

from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View


def dropout_explorer(activations=None):
    """A drop probability slider and a train / eval toggle -> the mask and the output.

    Parameters
    ----------
    activations : array_like, shape (H, W), optional
        Default: a 6x6 grid of positive values (seeded, so every build is the same).

    Returns
    -------
    Explorer
        ``explorer.results`` holds ``"input"``, ``"mask"`` (True = kept) and
        ``"output"`` of ``cnn_lib.layers.Dropout(p, rng=seed)``.

    Examples
    --------
    >>> ex = dropout_explorer()
    >>> ex.set(p=0.5, mode="eval")
    >>> bool((ex.results["output"] == ex.results["input"]).all())
    True
    """
    from cnn_lib.layers.dropout import Dropout

    if activations is None:
        activations = np.random.default_rng(0).uniform(0.2, 1.0, (6, 6)).round(1)
    x = np.asarray(activations, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"activations must be 2-D (H, W), got shape {x.shape}")
    top = 2 * float(np.abs(x).max())  # the colour scale: where p = 0.5 puts kept units
    controls = [
        slider(
            "p",
            0.0,
            0.9,
            0.05,
            default=0.5,
            static=np.arange(10) / 10,
            label="drop p",
            fmt="{:.2f}",
        ),
        choice("mode", ["train", "eval"], kind="toggle"),
        slider("seed", 0, 99, default=0, static=[0, 1, 2], label="mask seed"),
    ]
    explorer = None

    def run(p, mode, seed):
        layer = Dropout(p, rng=seed)
        if mode == "eval":
            layer.eval()
        out = layer(x)
        mask = layer.mask if mode == "train" else np.ones(x.shape, dtype=bool)
        explorer.results.update(input=x, mask=mask, output=out)
        return out, mask

    def show_input(**_):
        return markup.heatmap_table(x, cmap="Blues", limit=top, fmt="{:.1f}", title="activations x")

    def show_mask(**values):
        _, mask = run(**values)
        return markup.img(
            mask.astype(float),
            size=150,
            vmin=0,
            vmax=1,
            title=f"mask: {int(mask.sum())} of {mask.size} kept (white)",
        )

    def show_output(p, mode, seed):
        out, _ = run(p, mode, seed)
        scale = "" if mode == "eval" else f" = x \u00b7 mask / (1 \u2212 {p:.2f})"
        return markup.heatmap_table(
            out, cmap="Blues", limit=top, fmt="{:.1f}", title=f"output{scale}"
        )

    def show_note(p, mode, seed):
        out, mask = run(p, mode, seed)
        if mode == "eval":
            text = "<b>eval()</b>: dropout is the identity; nothing is dropped or rescaled."
        else:
            text = (
                f"<b>train()</b>: each unit is dropped with probability p = {p:.2f}; the "
                f"{int(mask.sum())} survivors are multiplied by 1 / (1 &minus; p) = "
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
    explorer = Explorer(
        "Dropout explorer", controls, views, layout=[["input", "mask", "output"], ["note"]]
    )
    return explorer
