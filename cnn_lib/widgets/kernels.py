"""``kernel_explorer``: slide a 3x3 kernel over an image and watch the feature map."""

from __future__ import annotations

import numpy as np

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
CUSTOM = "your own (sliders w00-w22)"
WEIGHTS = [f"w{r}{c}" for r in range(3) for c in range(3)]
SCALE = 5  # CSS pixels per image pixel, the same for input and output so sizes compare


def custom_kernel(**values) -> np.ndarray:
    """The 3x3 kernel set by the live sliders ``w00`` ... ``w22`` (row, column)."""
    return np.array([values[w] for w in WEIGHTS], dtype=np.float64).reshape(3, 3)


def kernel_explorer(images=None):
    """Pick an image and a kernel; see the kernel and the feature map it produces.

    Parameters
    ----------
    images : array_like, optional
        ``(H, W)``, ``(N, H, W)`` or ``(N, 1, H, W)``; default: five images
        of the embedded sample (``cnn_lib.datasets.load_sample``).

    Returns
    -------
    Explorer
        Display it (last expression of a cell). Live in Jupyter, it also offers
        nine sliders for a kernel of your own; the static book page has the
        named kernels. ``explorer.results`` holds ``"image"``, ``"kernel"``
        and ``"output"`` (= ``correlate2d(image, kernel, mode)``).

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
    from cnn_lib.functional.conv import conv2d

    pictures = image_list(images)
    kernels = {**KERNELS, CUSTOM: None}
    image_options = {label: i for i, (label, _) in enumerate(pictures)}
    controls = [
        choice("image", image_options, static=list(image_options)[:5]),
        choice("kernel", kernels, default="Sobel x", static=list(KERNELS)),
        choice("mode", ["valid", "same", "full"], kind="toggle"),
    ]
    identity = KERNELS["identity"].ravel()
    controls += [
        slider(w, -3.0, 3.0, 0.25, default=float(identity[i]), static=[identity[i]], fmt="{:.2f}")
        for i, w in enumerate(WEIGHTS)
    ]
    explorer = None

    def chosen_kernel(values):
        return custom_kernel(**values) if values["kernel"] is None else values["kernel"]

    def show_input(image, **_):
        label, picture = pictures[image]
        return markup.img(picture, scale=SCALE, title=f"input {label}, {picture.shape}")

    def show_kernel(**values):
        return markup.heatmap_table(chosen_kernel(values), title="kernel (blue < 0 < red)")

    def show_output(image, mode, **values):
        picture, kernel = pictures[image][1], chosen_kernel(values)
        # conv2d is the vectorized cross-correlation; mode valid/same/full is its padding
        output = conv2d(picture[None, None], kernel[None, None], padding=mode)[0, 0]
        explorer.results.update(image=picture, kernel=kernel, output=output)
        return markup.feature_img(output, title=f"output {output.shape}", scale=SCALE)

    def show_formula(image, mode, **_):
        h, w = pictures[image][1].shape
        grow = {"valid": -2, "same": 0, "full": 2}[mode]
        rule = {
            "valid": "only where the kernel fits: n - k + 1",
            "same": "padded by 1 on each side: n + 2 - 3 + 1 = n",
            "full": "every overlap, padded by 2: n + 4 - 3 + 1 = n + 2",
        }[mode]
        return markup.note(
            f"<b>{mode}</b>: {rule}<br>{h}&times;{w} input &rarr; "
            f"{h + grow}&times;{w + grow} output. Each output pixel is the sum of the "
            "3&times;3 patch under the kernel times the kernel's weights."
        )

    views = [
        View("input", show_input, ("image",)),
        View("kernel", show_kernel, ("kernel", *WEIGHTS)),
        View("output", show_output),
        View("formula", show_formula, ("image", "mode")),
    ]

    def use_own_kernel(ex, name):  # moving a weight slider selects "your own"
        if name in WEIGHTS and ex.values["kernel"] is not None:
            ex.set(kernel=CUSTOM)

    explorer = Explorer(
        "Kernel explorer: image * kernel = feature map",
        controls,
        views,
        layout=[["input", "kernel", "output"], ["formula"]],
        on_change=use_own_kernel,
        control_rows=[["image", "kernel"], ["mode"], WEIGHTS[:3], WEIGHTS[3:6], WEIGHTS[6:]],
    )
    return explorer
