"""``kernel_explorer``: slide a 3x3 kernel over an image and watch the feature map.

Taught in chapter 3 (convolution); the kernels are applied as cross-correlation
``x ⋆ w``, as a ``Conv2d`` layer does.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.conv import conv2d
from cnn_lib.widgets import markup
from cnn_lib.widgets._data import image_list
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

#: Classic hand-made 3x3 kernels (applied as cross-correlation, like a Conv2d layer).
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
KERNELS = {name: np.asarray(k, dtype=np.float64) for name, k in KERNELS.items()}
DEFAULT = "Sobel x"
CUSTOM = "your own (sliders w[0,0] to w[2,2])"
WEIGHTS = [f"w{r}{c}" for r in range(3) for c in range(3)]
SCALE = 5  # CSS pixels per image pixel, the same for input and output so sizes compare
RULES = {
    "valid": "only where the kernel fits: H_out = H &minus; k + 1",
    "same": "padded by p = 1 on each side: H_out = H + 2 &minus; 3 + 1 = H",
    "full": "every overlap, padded by p = 2: H_out = H + 4 &minus; 3 + 1 = H + 2",
}


def custom_kernel(**values) -> np.ndarray:
    """The 3x3 kernel set by the live sliders ``w00`` ... ``w22`` (row, column)."""
    return np.array([values[w] for w in WEIGHTS], dtype=np.float64).reshape(3, 3)


def chosen_kernel(values) -> np.ndarray:
    """The preset's weights, or the sliders' for "your own"."""
    return custom_kernel(**values) if values["kernel"] is None else values["kernel"]


def kernel_explorer(images=None):
    """Pick an image and a kernel ``w``; see the kernel and the feature map ``x ⋆ w``.

    Parameters
    ----------
    images : array_like, optional
        ``(H, W)``, ``(N, H, W)`` or ``(N, 1, H, W)``; default: five images
        of the embedded sample (``cnn_lib.datasets.load_sample``).

    Returns
    -------
    Explorer
        Display it (last expression of a cell). Live in Jupyter, nine weight
        sliders show the chosen preset's weights (choosing a preset sets them;
        moving one switches to "your own"); the static book page has the named
        kernels, whose weights its kernel table prints. ``explorer.results``
        holds ``"image"``, ``"kernel"`` and ``"output"`` (= ``correlate2d(image,
        kernel, mode)``).

    Shapes
    ------
    ``image: (H, W)``, ``kernel: (3, 3)`` -> ``output``: ``(H-2, W-2)`` (valid),
    ``(H, W)`` (same), ``(H+2, W+2)`` (full).

    Examples
    --------
    >>> ex = kernel_explorer(np.eye(8))
    >>> ex.set(kernel="Sobel x", mode="same")
    >>> ex.results["output"].shape
    (8, 8)
    """
    pictures = image_list(images)
    kernels = {**KERNELS, CUSTOM: None}
    image_options = {label: i for i, (label, _) in enumerate(pictures)}
    controls = [
        choice("image", image_options, static=list(image_options)[:5]),
        choice("kernel", kernels, default=DEFAULT, static=list(KERNELS), label="kernel w"),
        choice("mode", ["valid", "same", "full"], kind="toggle", label="mode"),
    ]
    start = KERNELS[DEFAULT].ravel()
    controls += [
        slider(
            name,
            -3.0,
            3.0,
            0.125,
            default=float(start[i]),
            static=[start[i]],
            fmt="{:.3f}",
            label=f"w[{i // 3},{i % 3}]",
        )
        for i, name in enumerate(WEIGHTS)
    ]

    def compute(image, mode, **values):
        picture, kernel = pictures[image][1], chosen_kernel(values)
        # conv2d is the vectorized cross-correlation; mode valid/same/full is its padding
        output = conv2d(picture[None, None], kernel[None, None], padding=mode)[0, 0]
        return {"image": picture, "kernel": kernel, "output": output}

    def show_input(image, **_):
        label, picture = pictures[image]
        h, w = picture.shape
        return markup.img(picture, scale=SCALE, title=f"input x: {label}, {h}\u00d7{w}")

    def show_kernel(**values):
        return markup.heatmap_table(
            chosen_kernel(values), title="kernel w (blue < 0 < red, values printed)"
        )

    def show_output(**values):
        output = compute(**values)["output"]
        h, w = output.shape
        title = f"feature map x \u22c6 w, {h}\u00d7{w}"
        return markup.feature_img(output, title=title, scale=SCALE)

    def show_formula(image, mode, **_):
        h, w = pictures[image][1].shape
        grow = {"valid": -2, "same": 0, "full": 2}[mode]
        return markup.note(
            f"<b>{mode}</b>: {RULES[mode]}<br>{h}&times;{w} input &rarr; "
            f"{h + grow}&times;{w + grow} output. Each output pixel is the sum of the "
            "3&times;3 patch under the kernel times the kernel's weights "
            "(cross-correlation x &#8902; w, as a Conv2d layer computes it)."
        )

    views = [
        View("input", show_input, ("image",)),
        View("kernel", show_kernel, ("kernel", *WEIGHTS)),
        View("output", show_output),
        View("formula", show_formula, ("image", "mode")),
    ]
    syncing = []  # non-empty while a preset writes its weights into the sliders

    def sync(ex, name):
        if syncing:
            return
        if name == "kernel" and ex.values["kernel"] is not None:
            syncing.append(name)  # a preset sets the nine weight sliders
            try:
                ex.set(**dict(zip(WEIGHTS, ex.values["kernel"].ravel().tolist(), strict=True)))
            finally:
                syncing.clear()
        elif name in WEIGHTS and ex.values["kernel"] is not None:
            ex.set(kernel=CUSTOM)  # moving a weight slider makes the kernel your own

    return Explorer(
        "Kernel explorer: input x \u22c6 kernel w = feature map",
        controls,
        views,
        layout=[["input", "kernel", "output"], ["formula"]],
        compute=compute,
        on_change=sync,
        control_rows=[["image", "kernel"], ["mode"], WEIGHTS[:3], WEIGHTS[3:6], WEIGHTS[6:]],
    )
