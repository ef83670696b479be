"""``backprop_explorer``: the backward pass of a convolution, max pooling, dropout and softmax,
cell by cell, with the numbers that cnn_lib's layers compute.

Taught in chapter 10 (backpropagation). Notation: input ``x``, kernel ``w``,
upstream gradient ``G = dL/dz`` of the output ``z = x ⋆ w``.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.softmax import cross_entropy_backward, softmax
from cnn_lib.layers.conv import Conv2d
from cnn_lib.layers.dropout import Dropout
from cnn_lib.layers.pooling import MaxPool2d
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


MARK = ";outline:3px solid #000;outline-offset:-3px;font-weight:700"  # selected / contributing


def grid(values, marked=(), title="", limit=None) -> str:
    """A heat-map table of ``values`` whose ``marked`` (row, col) cells get an outline."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    limit = markup.signed_limit(values) if limit is None else limit
    colours = markup.to_rgb(values, DIVERGING, -limit, limit)
    marked = set(marked)
    cells = []
    for r, c in np.ndindex(values.shape):
        style = markup.cell_style(colours[r, c])
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
    """``(dL/dw, dL/dx)`` from ``Conv2d.backward`` for the loss ``sum(G * (x ⋆ w))``."""
    conv = Conv2d(1, 1, kernel_size=3, bias=False)
    conv.weight.data = np.asarray(kernel, dtype=np.float64)[None, None]
    conv.weight.grad = np.zeros_like(conv.weight.data)
    conv(x[None, None])
    dx = conv.backward(G[None, None])[0, 0]
    return conv.weight.grad[0, 0], dx


def contributors(target, row, col):
    """Cells of (x, G, w) that enter the selected gradient cell, and the cell itself.

    ``dw[u, v] = sum_ab x[a + u, b + v] G[a, b]``: a 3x3 window of x and all of G.
    ``dx[i, j] = sum_ab G[a, b] w[i - a, j - b]``: the G cells whose window covers (i, j).
    """
    if target == "dK":
        u, v = min(row, 2), min(col, 2)
        window = [(u + a, v + b) for a in range(3) for b in range(3)]
        return {"x": window, "G": list(np.ndindex(3, 3)), "K": [], "cell": (u, v)}
    pairs = [(a, b) for a in range(3) for b in range(3) if 0 <= row - a < 3 and 0 <= col - b < 3]
    kernel_cells = [(row - a, col - b) for a, b in pairs]
    return {"x": [(row, col)], "G": pairs, "K": kernel_cells, "cell": (row, col)}


def compute(topic, kernel, seed, **_) -> dict:
    """Every array the explorer shows, from cnn_lib's layers (see ``backprop_explorer``)."""
    ex = example(seed)
    kernel = np.asarray(kernel, dtype=np.float64)
    dk, dx = conv_gradients(ex["x"], kernel, ex["G"])
    pool = MaxPool2d(2)
    pool(ex["pool_x"][None, None])
    drop = Dropout(0.5, rng=seed)
    drop(np.ones((4, 4)))
    z, y = ex["logits"][None], np.array([ex["target"]])
    return {
        **{"x": ex["x"], "kernel": kernel, "G": ex["G"], "dK": dk, "dX": dx},
        **{"pool_x": ex["pool_x"], "pool_G": ex["pool_G"]},
        "pool_dX": pool.backward(ex["pool_G"][None, None])[0, 0],
        **{"drop_mask": drop.mask, "drop_G": ex["drop_G"], "drop_dX": drop.backward(ex["drop_G"])},
        **{"logits": z[0], "probs": softmax(z)[0], "target": ex["target"]},
        "softmax_grad": cross_entropy_backward(z, y)[0],
    }


TITLES = {
    "x": "input x",
    "K": "kernel w",
    "G": "upstream G = dL/dz",
    "dK": "dL/dw = x \u22c6 G (correlate2d)",
    "dX": "dL/dx = G \u2217 w (convolve2d, full)",
}


def conv_note(topic, kernel, seed, target, row, col):
    if topic != "convolution":
        return ""
    r = compute(topic, kernel, seed)
    x, k, G = r["x"], r["kernel"], r["G"]
    who = contributors(target, row, col)
    i, j = who["cell"]
    if target == "dK":
        terms = [f"{_n(x[i + a, j + b])}\u00b7{_n(G[a, b])}" for a, b in np.ndindex(3, 3)]
        head, value = f"dL/dw[{i}, {j}] = \u03a3 x[{i}+a, {j}+b]\u00b7G[a, b]", r["dK"][i, j]
    else:
        terms = [f"{_n(G[a, b])}\u00b7{_n(k[i - a, j - b])}" for a, b in who["G"]]
        head = f"dL/dx[{i}, {j}] = \u03a3 G[a, b]\u00b7w[{i}\u2212a, {j}\u2212b]"
        value = r["dX"][i, j]
    return markup.note(
        f"{head} = {' + '.join(terms)} = <b>{value:g}</b>. Outlined in black and bold: the "
        "selected cell and every cell that enters its sum (the kernel cells for dL/dx)."
    )


def topic_view(topic, kernel, seed, **_):
    """Max pooling, dropout or softmax: three small tables each."""
    r = compute(topic, kernel, seed)
    if topic == "max pooling":
        argmax = list(zip(*np.nonzero(r["pool_dX"]), strict=True))
        return (
            grid(r["pool_x"], argmax, "input x (window maxima outlined)")
            + grid(r["pool_G"], (), "upstream G (2\u00d72)")
            + grid(r["pool_dX"], argmax, "dL/dx: each G goes to its argmax")
        )
    if topic == "dropout":
        kept = list(zip(*np.nonzero(r["drop_mask"]), strict=True))
        return (
            grid(r["drop_mask"].astype(float), kept, "mask r (1 = kept, outlined), p_drop = 0.5")
            + grid(r["drop_G"], kept, "upstream G")
            + grid(r["drop_dX"], kept, "dL/dx = r \u00b7 G / (1 \u2212 p_drop)")
        )
    if topic == "softmax + cross-entropy":
        cell = [(0, r["target"])]
        onehot = np.eye(CLASSES)[r["target"]]
        return (
            grid(r["logits"], (), "logits z")
            + grid(r["probs"][None], (), "\u0177 = softmax(z)")
            + grid(onehot[None], cell, "y = one-hot(true class, outlined)")
            + grid(r["softmax_grad"][None], cell, "dL/dz = \u0177 \u2212 y")
        )
    return ""


def backprop_explorer():
    """Gradients made visible: a 5x5 input, a 3x3 kernel and the backward pass, cell by cell.

    Topics: the convolution (``dL/dw = correlate2d(x, G)``, ``dL/dx =
    convolve2d(G, w, "full")``, with the cells that feed one selected gradient
    cell outlined), max pooling (the gradient routed to each window's argmax),
    dropout (``r * G / (1 - p_drop)``) and softmax + cross-entropy (``ŷ - y``).
    The kernel and cell controls act on the convolution only and are hidden
    for the other topics.

    Returns
    -------
    Explorer
        ``explorer.results`` holds the arrays shown, computed by cnn_lib's
        layers: ``"x"``, ``"kernel"``, ``"G"``, ``"dK"`` (dL/dw), ``"dX"`` (dL/dx),
        ``"pool_dX"``, ``"drop_mask"``, ``"drop_dX"`` and ``"softmax_grad"``.

    Shapes
    ------
    x (5, 5), w (3, 3), G = dL/dz (3, 3); pooling 4x4 -> 2x2; dropout 4x4; 4 classes.

    Examples
    --------
    >>> ex = backprop_explorer()
    >>> ex.results["dX"].shape, ex.results["dK"].shape
    ((5, 5), (3, 3))
    """
    controls = [
        choice("topic", list(TOPICS), kind="toggle"),
        choice("kernel", KERNELS, static=list(KERNELS)[:2], label="kernel w"),
        slider("seed", 0, 9, default=0, static=[0], label="example"),
        choice("target", {"dL/dx": "dX", "dL/dw": "dK"}, label="selected cell of", kind="toggle"),
        slider("row", 0, 4, default=1, label="row"),
        slider("col", 0, 4, default=2, label="column"),
    ]

    def conv_view(part):
        def render(topic, kernel, seed, target, row, col):
            if topic != "convolution":
                return ""
            arrays = compute(topic, kernel, seed)
            arrays["K"] = arrays["kernel"]
            who = contributors(target, row, col)
            marked = [who["cell"]] if part == target else who.get(part, [])
            return grid(arrays[part], marked, TITLES[part])

        return render

    def limits(target, **_):
        top = 2 if target == "dK" else 4
        return {"row": top, "col": top}

    def visible(topic, **_):
        return {name: topic == "convolution" for name in ("kernel", "target", "row", "col")}

    cell = ("target", "row", "col")
    needs = {"x": ("seed",), "K": ("kernel",), "G": ("seed",), "dK": ("seed",)}
    views = [
        View(name, conv_view(name), ("topic", *needs.get(name, ("kernel", "seed")), *cell))
        for name in ("x", "K", "G", "dK", "dX")
    ]
    views += [
        View("note", conv_note, ("topic", "kernel", "seed", *cell)),
        View("topic", topic_view, ("topic", "seed")),
    ]
    return Explorer(
        "Backpropagation explorer",
        controls,
        views,
        layout=[["x", "K", "G"], ["dK", "dX"], ["note"], ["topic"]],
        limits=limits,
        visible=visible,
        compute=compute,
        control_rows=[["topic"], ["kernel", "seed"], ["target"], ["row", "col"]],
    )
