"""``backprop_explorer``: the backward pass of a convolution, max pooling, dropout and softmax,
cell by cell, with the numbers that cnn_lib's layers compute."""

from __future__ import annotations

import numpy as np

from cnn_lib.viz import DIVERGING
from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

KERNELS = {
    "edge (Sobel x)": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "cross": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "diagonal": [[2, 0, 0], [0, 1, 0], [0, 0, -1]],
}
TOPICS = ("convolution", "max pooling", "dropout", "softmax + cross-entropy")
CLASSES = 4


def _n(v) -> str:
    """A number for a printed sum: negative ones in parentheses, ``2·(−1)``."""
    return f"({v:g})" if v < 0 else f"{v + 0.0:g}"


MARK = ";outline:3px solid #e6a100;outline-offset:-3px"  # a selected / contributing cell


def grid(values, marked=(), title="", limit=None) -> str:
    """A heat-map table of ``values`` whose ``marked`` (row, col) cells get an outline."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    limit = markup.signed_limit(values) if limit is None else limit
    colours = markup.to_rgb(values, DIVERGING, -limit, limit)
    marked = set(marked)
    cells = []
    for r, c in np.ndindex(values.shape):
        rgb = colours[r, c]
        style = f"background:#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}"
        style += ";color:#fff" if rgb @ [0.299, 0.587, 0.114] <= 140 else ""  # dark cell
        style += MARK if (r, c) in marked else ""
        text = f"{values[r, c] + 0.0:.3g}"  # + 0.0 turns -0.0 into 0
        cells.append(f'<td style="{style}">{text}</td>')
    width = values.shape[1]
    rows = ["<tr>" + "".join(cells[i : i + width]) + "</tr>" for i in range(0, len(cells), width)]
    table = '<table class="cnn-heat">' + "".join(rows) + "</table>"
    return f'<figure class="cnn-fig">{table}{markup.caption(title)}</figure>'


def example(seed: int) -> dict:
    """The small integer arrays of one example (integers keep the sums readable by hand)."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.integers(0, 4, (5, 5)).astype(np.float64),  # conv input
        "G": rng.integers(-2, 3, (3, 3)).astype(np.float64),  # dL/dY of the conv
        "pool_x": rng.permutation(16).reshape(4, 4).astype(np.float64),  # no ties
        "pool_G": rng.integers(1, 5, (2, 2)).astype(np.float64),
        "drop_G": rng.integers(-3, 4, (4, 4)).astype(np.float64),
        "logits": rng.normal(0, 1.5, CLASSES).round(1),
        "target": int(rng.integers(CLASSES)),
    }


def conv_gradients(x, kernel, G):
    """``(dL/dK, dL/dX)`` from ``Conv2d.backward`` for the loss ``sum(G * conv(x, K))``."""
    from cnn_lib.layers.conv import Conv2d

    conv = Conv2d(1, 1, kernel_size=3, bias=False)
    conv.weight.data = np.asarray(kernel, dtype=np.float64)[None, None]
    conv.weight.grad = np.zeros_like(conv.weight.data)
    conv(x[None, None])
    dx = conv.backward(G[None, None])[0, 0]
    return conv.weight.grad[0, 0], dx


def contributors(target, row, col):
    """Cells of (x, G, K) that enter the selected gradient cell, and the cell itself.

    ``dK[u, v] = sum_ab x[a + u, b + v] G[a, b]``: a 3x3 window of x and all of G.
    ``dX[i, j] = sum_ab G[a, b] K[i - a, j - b]``: the G cells whose window covers (i, j).
    """
    if target == "dK":
        u, v = min(row, 2), min(col, 2)
        window = [(u + a, v + b) for a in range(3) for b in range(3)]
        return {"x": window, "G": list(np.ndindex(3, 3)), "K": [], "cell": (u, v)}
    pairs = [(a, b) for a in range(3) for b in range(3) if 0 <= row - a < 3 and 0 <= col - b < 3]
    kernel_cells = [(row - a, col - b) for a, b in pairs]
    return {"x": [(row, col)], "G": pairs, "K": kernel_cells, "cell": (row, col)}


def backprop_explorer():
    """Gradients made visible: a 5x5 input, a 3x3 kernel and the backward pass, cell by cell.

    Topics: the convolution (``dL/dK = correlate2d(x, G)``, ``dL/dX =
    convolve2d(G, K, "full")``, with the cells that feed one selected gradient
    cell outlined), max pooling (the gradient routed to each window's argmax),
    dropout (``mask * G / (1 - p)``) and softmax + cross-entropy (``p - y``).

    Returns
    -------
    Explorer
        ``explorer.results`` holds the arrays last shown, computed by cnn_lib's
        layers: ``"x"``, ``"kernel"``, ``"G"``, ``"dK"``, ``"dX"`` (convolution),
        ``"pool_dX"``, ``"drop_mask"``, ``"drop_dX"`` and ``"softmax_grad"``.

    Shapes
    ------
    x (5, 5), K (3, 3), G = dL/dY (3, 3); pooling 4x4 -> 2x2; dropout 4x4; 4 classes.

    Examples
    --------
    >>> ex = backprop_explorer()
    >>> ex.results["dX"].shape, ex.results["dK"].shape
    ((5, 5), (3, 3))
    """
    from cnn_lib.functional.softmax import cross_entropy_backward, softmax
    from cnn_lib.layers.dropout import Dropout
    from cnn_lib.layers.pooling import MaxPool2d

    controls = [
        choice("topic", list(TOPICS), kind="toggle"),
        choice("kernel", KERNELS, static=list(KERNELS)[:2], label="kernel K"),
        slider("seed", 0, 9, default=0, static=[0], label="example"),
        choice("target", {"dL/dX": "dX", "dL/dK": "dK"}, label="selected cell of", kind="toggle"),
        slider("row", 0, 4, default=1, label="row"),
        slider("col", 0, 4, default=2, label="column"),
    ]
    explorer = None

    def conv(kernel, seed, **_):
        ex = example(seed)
        kernel = np.asarray(kernel, dtype=np.float64)
        dk, dx = conv_gradients(ex["x"], kernel, ex["G"])
        explorer.results.update(x=ex["x"], kernel=kernel, G=ex["G"], dK=dk, dX=dx)
        return ex["x"], kernel, ex["G"], dk, dx

    def conv_view(part):
        def render(topic, kernel, seed, target, row, col):
            if topic != "convolution":
                return ""
            arrays = dict(zip(("x", "K", "G", "dK", "dX"), conv(kernel, seed), strict=True))
            who = contributors(target, row, col)
            marked = [who["cell"]] if part == target else who.get(part, [])
            titles = {
                "x": "input x",
                "K": "kernel K",
                "G": "upstream G = dL/dY",
                "dK": "dL/dK = correlate2d(x, G)",
                "dX": "dL/dX = convolve2d(G, K, full)",
            }
            return grid(arrays[part], marked, titles[part])

        return render

    def conv_note(topic, kernel, seed, target, row, col):
        if topic != "convolution":
            return ""
        x, k, G, dk, dx = conv(kernel, seed)
        who = contributors(target, row, col)
        i, j = who["cell"]
        if target == "dK":
            terms = [f"{_n(x[i + a, j + b])}\u00b7{_n(G[a, b])}" for a, b in np.ndindex(3, 3)]
            head, value = f"dL/dK[{i}, {j}] = \u03a3 x[{i}+a, {j}+b]\u00b7G[a, b]", dk[i, j]
        else:
            terms = [f"{_n(G[a, b])}\u00b7{_n(k[i - a, j - b])}" for a, b in who["G"]]
            head, value = (
                f"dL/dX[{i}, {j}] = \u03a3 G[a, b]\u00b7K[{i}\u2212a, {j}\u2212b]",
                dx[i, j],
            )
        return markup.note(
            f"{head} = {' + '.join(terms)} = <b>{value:g}</b>. Outlined: the selected cell "
            "and every cell that enters its sum (the kernel cells for dL/dX)."
        )

    def pool_view(topic, seed, **_):
        if topic != "max pooling":
            return ""
        ex = example(seed)
        layer = MaxPool2d(2)
        layer(ex["pool_x"][None, None])
        dx = layer.backward(ex["pool_G"][None, None])[0, 0]
        explorer.results["pool_dX"] = dx
        argmax = list(zip(*np.nonzero(dx), strict=True))
        return (
            grid(ex["pool_x"], argmax, "input x (window maxima outlined)")
            + grid(ex["pool_G"], (), "upstream G (2x2)")
            + grid(dx, argmax, "dL/dx: each G goes to its argmax")
        )

    def dropout_view(topic, seed, **_):
        if topic != "dropout":
            return ""
        ex = example(seed)
        layer = Dropout(0.5, rng=seed)
        layer(np.ones((4, 4)))
        dx = layer.backward(ex["drop_G"])
        explorer.results.update(drop_mask=layer.mask, drop_dX=dx)
        kept = list(zip(*np.nonzero(layer.mask), strict=True))
        return (
            grid(layer.mask.astype(float), kept, "mask (1 = kept), p = 0.5")
            + grid(ex["drop_G"], kept, "upstream G")
            + grid(dx, kept, "dL/dx = mask \u00b7 G / (1 \u2212 p)")
        )

    def softmax_view(topic, seed, **_):
        if topic != "softmax + cross-entropy":
            return ""
        ex = example(seed)
        z, y = ex["logits"][None], np.array([ex["target"]])
        p = softmax(z)[0]
        grad = cross_entropy_backward(z, y)[0]
        explorer.results["softmax_grad"] = grad
        onehot = np.eye(CLASSES)[ex["target"]]
        cell = [(0, ex["target"])]
        return (
            grid(z, (), "logits z")
            + grid(p[None], (), "p = softmax(z)")
            + grid(onehot[None], cell, "y = one-hot(true class)")
            + grid(grad[None], cell, "dL/dz = p \u2212 y")
        )

    def limits(target, **_):
        top = 2 if target == "dK" else 4
        return {"row": top, "col": top}

    cell = ("target", "row", "col")
    needs = {"x": ("seed",), "K": ("kernel",), "G": ("seed",), "dK": ("seed",)}
    views = [
        View(name, conv_view(name), ("topic", *needs.get(name, ("kernel", "seed")), *cell))
        for name in ("x", "K", "G", "dK", "dX")
    ]
    views += [
        View("note", conv_note, ("topic", "kernel", "seed", "target", "row", "col")),
        View("pool", pool_view, ("topic", "seed")),
        View("dropout", dropout_view, ("topic", "seed")),
        View("softmax", softmax_view, ("topic", "seed")),
    ]
    explorer = Explorer(
        "Backpropagation explorer",
        controls,
        views,
        layout=[["x", "K", "G"], ["dK", "dX"], ["note"], ["pool", "dropout", "softmax"]],
        limits=limits,
        control_rows=[["topic"], ["kernel", "seed"], ["target"], ["row", "col"]],
    )
    conv(**explorer.defaults())  # fill results for the default example
    return explorer
