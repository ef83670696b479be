"""``feature_map_explorer``: what each layer of a network sees in an image.

Taught in chapter 5 (channels and filters), used again in chapter 13 on the
trained network.
"""

from __future__ import annotations

import html
import math

import numpy as np

from cnn_lib._validation import as_float_array, check_ndim
from cnn_lib.training import eval_mode
from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

STATIC_IMAGES = 3  # images precomputed for the book page
STATIC_CHANNELS = 16


def layer_outputs(model, x) -> list[tuple[str, np.ndarray]]:
    """Run one batch through ``model`` layer by layer (eval mode); keep the 4-D outputs.

    Returns
    -------
    list of (label, ndarray of shape (N, C, H, W), layer)
        ``label`` is short, e.g. ``"0: Conv2d -> 6x28x28"``.
    """
    try:
        layers = list(model)
    except TypeError:
        raise ValueError(
            f"model must be a Sequential (or a list of layers) so that its layers can be "
            f"visited one by one, got {type(model).__name__}"
        ) from None
    outputs = []
    with eval_mode(model) if hasattr(model, "eval") else _nothing():
        h = x
        for i, layer in enumerate(layers):
            h = layer(h)
            if np.ndim(h) == 4:
                size = "\u00d7".join(str(d) for d in np.shape(h)[1:])
                outputs.append((f"{i}: {type(layer).__name__} \u2192 {size}", np.asarray(h), layer))
    if not outputs:
        raise ValueError("model has no layer with a 4-D (N, C, H, W) output to show")
    return outputs


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _picture(image):
    """(C, H, W) -> something ``markup.img`` draws: grey for 1 channel, RGB for 3."""
    return image[0] if image.shape[0] != 3 else np.transpose(image, (1, 2, 0))


def map_picture(fmap, signed: bool, title: str, size: int) -> str:
    """One feature map, coloured as the layer's mosaic colours it.

    ``signed`` (the layer has negative values): diverging, centred at zero on the
    map's own limit; else grey from black 0 to white at the map's max. The
    caption states the range and the colour rule in words.
    """
    lo, hi = float(fmap.min()), float(fmap.max())
    if signed:
        limit = markup.signed_limit(fmap)
        rule = f"blue \u2212{limit:.2g} < white 0 < red +{limit:.2g}"
        return markup.signed_img(fmap, size=size, title=f"{title}; {rule}", limit=limit)
    rule = f"black 0 to white {hi:.2g}"
    title = f"{title}; values {lo:.2g} to {hi:.2g}, {rule}"
    return markup.img(fmap, size=size, vmin=0.0, vmax=max(hi, 1e-12), title=title)


def feature_map_explorer(model, images):
    """Pick an image, a layer and a channel: that feature map, and all channels of the layer.

    Parameters
    ----------
    model : Sequential
        Any network whose layers can be iterated; every layer with a 4-D output
        (convolutions, activations after them, pooling) can be picked.
    images : array_like, shape (N, C, H, W)
        A few input images (the static page precomputes the first three).

    Returns
    -------
    Explorer
        ``explorer.results["map"]`` is the chosen ``(H, W)`` feature map.

    Examples
    --------
    >>> from cnn_lib.layers import Sequential, ReLU
    >>> ex = feature_map_explorer(Sequential(ReLU()), np.ones((1, 1, 4, 4)) - 2)
    >>> ex.set(channel=0)
    >>> float(ex.results["map"].max())
    0.0
    """
    x = as_float_array(images, "images")
    check_ndim(x, 4, "images", "(N, C, H, W)")
    maps = layer_outputs(model, x)
    max_channels = max(out.shape[1] for _, out, _ in maps)
    controls = [
        choice(
            "image",
            {f"image {i}": i for i in range(len(x))},
            static=[f"image {i}" for i in range(min(len(x), STATIC_IMAGES))],
        ),
        choice("layer", {label: i for i, (label, _, _) in enumerate(maps)}),
        slider(
            "channel",
            0,
            max_channels - 1,
            default=0,
            static=range(min(max_channels, STATIC_CHANNELS)),
            label="channel",
        ),
    ]

    def compute(image, layer, channel):
        label, out, _ = maps[layer]
        c = min(channel, out.shape[1] - 1)  # a layer with fewer channels shows its last
        return {"map": out[image, c], "layer": label, "channel": c}

    def show_input(image, **_):
        return markup.img(
            _picture(x[image]),
            vmin=0,
            vmax=max(float(x[image].max()), 1e-12),
            title=f"input image {image} (black 0, white its max)",
            size=140,
        )

    def show_map(image, layer, channel):
        out = maps[layer][1]
        r = compute(image, layer, channel)
        h, w = r["map"].shape
        title = f"channel {r['channel']} of {out.shape[1]} ({h}\u00d7{w})"
        return map_picture(r["map"], bool((out < 0).any()), title, size=196)

    def show_grid(image, layer, **_):
        label, out, _ = maps[layer]
        tiles = out[image]
        cols = math.ceil(math.sqrt(len(tiles)))
        picture = markup.mosaic(tiles, cols, signed=bool((out < 0).any()))
        title = (
            f"all {len(tiles)} channels of layer {label.split(':')[0]}, "
            f"row by row from channel 0, each on its own scale"
        )
        return markup.img(picture, size=260, title=title)

    def show_note(layer, **_):
        label, out, module = maps[layer]
        return markup.note(
            f"layer <code>{html.escape(repr(module))}</code>: {out.shape[1]} channels of "
            f"{out.shape[2]}&times;{out.shape[3]}. "
            + (
                "This layer has negative values (a convolution's raw output): blue below "
                "zero, white at zero, red above."
                if (out < 0).any()
                else "This layer has no negative values (after ReLU or pooling): black 0, "
                "white the map's largest value."
            )
            + " The single map and the mosaic use the same colours for the same channel."
        )

    def limits(layer, **_):
        return {"channel": maps[layer][1].shape[1] - 1}

    views = [
        View("input", show_input, ("image",)),
        View("map", show_map),
        View("grid", show_grid, ("image", "layer")),
        View("note", show_note, ("layer",)),
    ]
    return Explorer(
        "Feature map explorer",
        controls,
        views,
        layout=[["input", "map", "grid"], ["note"]],
        limits=limits,
        compute=compute,
    )
