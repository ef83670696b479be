"""``pooling_explorer``: max or average pooling of an image or a feature map.

Taught in chapter 6 (pooling).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.correlate import correlate2d
from cnn_lib.functional.pooling import avg_pool2d, max_pool2d
from cnn_lib.widgets import markup
from cnn_lib.widgets._data import image_list, sample_images
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

SCALE = 6  # CSS pixels per array element, the same on both sides so sizes compare


def pooling_explorer(image=None):
    """Max / average pooling with a window and a stride; the output drawn beside the input.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default: an ankle boot from the embedded sample. The second source is
        its feature map ``relu(correlate2d(image, Sobel x, "same"))``, whose
        sparse strong responses show why max pooling keeps features.

    Returns
    -------
    Explorer
        ``explorer.results`` holds ``"input"`` and ``"output"`` (2-D arrays).

    Shapes
    ------
    ``(H, W) -> (floor((H - k) / s) + 1, floor((W - k) / s) + 1)``

    Examples
    --------
    >>> ex = pooling_explorer(np.arange(16.0).reshape(4, 4))
    >>> ex.set(kernel_size=2, stride=2, op="max")
    >>> ex.results["output"]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    picture = sample_images((9,))[0][1] if image is None else image_list(image, "image")[0][1]
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=picture.dtype)
    sources = {
        "image": picture,
        "feature map": np.maximum(correlate2d(picture, sobel_x, mode="same"), 0),
    }
    controls = [
        choice("source", list(sources), kind="toggle"),
        choice("op", {"max": max_pool2d, "average": avg_pool2d}, label="pooling", kind="toggle"),
        slider("kernel_size", 1, 6, default=2, static=[2, 3], label="window k"),
        slider("stride", 1, 6, default=2, static=[1, 2, 3], label="stride s"),
    ]

    def compute(source, op, kernel_size, stride):
        x = sources[source]
        return {"input": x, "output": op(x[None, None], kernel_size, stride)[0, 0]}

    def show_input(source, **_):
        x = sources[source]
        h, w = x.shape
        title = f"{source}, {h}\u00d7{w} (black 0, white max)"
        return markup.img(x, vmin=0, vmax=x.max(), scale=SCALE, title=title)

    def show_output(source, op, kernel_size, stride):
        try:
            x, y = compute(source, op, kernel_size, stride).values()
        except ValueError as err:
            return markup.error(str(err))
        name = "max" if op is max_pool2d else "average"
        title = f"{name} pool k = {kernel_size}, s = {stride}: {y.shape[0]}\u00d7{y.shape[1]}"
        # the input's colour scale, so averaging visibly dims sparse features
        return markup.img(y, vmin=0, vmax=x.max(), scale=SCALE, title=title)

    def show_rule(kernel_size, stride, **_):
        h = picture.shape[0]
        out = (h - kernel_size) // stride + 1 if kernel_size <= h else 0
        overlap = (
            "overlapping windows"
            if stride < kernel_size
            else ("windows that tile the input" if stride == kernel_size else "skipped pixels")
        )
        return markup.note(
            f"H<sub>out</sub> = &lfloor;(H &minus; k) / s&rfloor; + 1 = "
            f"&lfloor;({h} &minus; {kernel_size}) / {stride}&rfloor; + 1 = "
            f"<b>{out}</b>; stride {stride} with window {kernel_size}: {overlap}. "
            "Each output pixel is the max (or mean) of one window, per channel; "
            "pooling has no weights to learn."
        )

    views = [
        View("input", show_input, ("source",)),
        View("output", show_output),
        View("rule", show_rule, ("kernel_size", "stride")),
    ]
    return Explorer(
        "Pooling explorer", controls, views, layout=[["input", "output"], ["rule"]], compute=compute
    )
