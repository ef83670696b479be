"""``conv_arithmetic_explorer``: input size, kernel, padding, stride -> output size.

Taught in chapter 4 (padding and stride). The picture of Dumoulin and Visin's
"guide to convolution arithmetic", with sliders: the padded input grid, the
kernel at one position, and the output cell it produces.
"""

from __future__ import annotations

from cnn_lib.functional.padding import conv_output_size
from cnn_lib.widgets import markup, svg
from cnn_lib.widgets.controls import slider
from cnn_lib.widgets.explorer import Explorer, View

CELL = 22  # pixels per grid cell
GAP = 56  # pixels between the input and the output grid
TOP = 22  # room for the grid titles
INPUT_FILL, PAD_FILL = "#dbe9f6", "#dfe2e6"


def geometry(n, kernel_size, padding, stride, position=0):
    """Everything the picture needs, or an error message if the kernel does not fit.

    Returns
    -------
    dict
        ``out`` (output size), ``row``/``col`` (output cell of ``position``,
        clamped to the last one), ``top``/``left`` (where the kernel's window
        starts in the padded input), ``padded`` (n + 2 * padding).

    Examples
    --------
    >>> g = geometry(5, 3, padding=1, stride=2, position=4)
    >>> g["out"], (g["row"], g["col"]), (g["top"], g["left"])
    (3, (1, 1), (2, 2))
    """
    out = conv_output_size(n, kernel_size, stride=stride, padding=padding)
    position = min(position, out * out - 1)
    row, col = divmod(position, out)
    return {
        "out": out,
        "position": position,
        "row": row,
        "col": col,
        "top": row * stride,
        "left": col * stride,
        "padded": n + 2 * padding,
    }


def _size(g):
    """Pixel width and height of the whole picture (room for the output's title)."""
    width = g["padded"] * CELL + GAP + max(g["out"] * CELL, 70) + 2
    height = max(g["padded"], g["out"]) * CELL + TOP + 2
    return width, height


def draw_grids(n, kernel_size, padding, stride) -> str:
    """The base picture: padded input (padding shaded) and the empty output grid."""
    g = geometry(n, kernel_size, padding, stride)
    width, height = _size(g)
    size, x_out = g["padded"] * CELL, g["padded"] * CELL + GAP
    body = [
        svg.rect(1, TOP, size, size, fill=PAD_FILL),
        svg.rect(1 + padding * CELL, TOP + padding * CELL, n * CELL, n * CELL, fill=INPUT_FILL),
        svg.grid_lines(1, TOP, g["padded"], g["padded"], CELL),
        svg.grid_lines(x_out, TOP, g["out"], g["out"], CELL),
        svg.text(1, 14, f"input {n}\u00d7{n}, p = {padding}", anchor="start"),
        svg.text(x_out, 14, f"output {g['out']}\u00d7{g['out']}", anchor="start"),
    ]
    arrow_y = TOP + min(size, g["out"] * CELL) / 2
    body.append(
        f'<path d="M{size + 10} {arrow_y}h{GAP - 20}m-6 -5l6 5l-6 5" stroke="#57606a" fill="none"/>'
    )
    alt = (
        f"Input grid {n} by {n} with {padding} cells of zero padding on each side, "
        f"arrow to the output grid {g['out']} by {g['out']}"
    )
    return svg.svg(width, height, "".join(body), alt)


def draw_position(n, kernel_size, padding, stride, position) -> str:
    """The overlay: the kernel's window at ``position`` and the output cell it fills."""
    g = geometry(n, kernel_size, padding, stride, position)
    width, height = _size(g)
    x_out = g["padded"] * CELL + GAP
    k = kernel_size * CELL
    # styled by the class (static_panel.css): hundreds of these overlays share one rule
    body = svg.rect(1 + g["left"] * CELL, TOP + g["top"] * CELL, k, k, extra=' class="cnn-k"')
    x, y = x_out + g["col"] * CELL, TOP + g["row"] * CELL
    body += svg.rect(x, y, CELL, CELL, extra=' class="cnn-k cnn-out"')
    return svg.svg(width, height, body, hidden=True)  # the "where" note says it in words


def formula(n, kernel_size, padding, stride, **_) -> str:
    """The output-size formula with the numbers filled in."""
    k, p, s, out = kernel_size, padding, stride, geometry(n, kernel_size, padding, stride)["out"]
    return markup.note(
        "H<sub>out</sub> = &lfloor;(H + 2p &minus; k) / s&rfloor; + 1 = "
        f"&lfloor;({n} + 2&middot;{p} &minus; {k}) / {s}&rfloor; + 1 = <b>{out}</b> "
        f"(and W<sub>out</sub> the same): {out * out} kernel positions, numbered 0 to "
        f"{out * out - 1} row by row. Grey cells are zero padding; the outlined orange "
        "window is the receptive field of the outlined output cell."
    )


def window(n, kernel_size, padding, stride, position) -> str:
    """Which output cell the current position fills and which input cells it sees."""
    g = geometry(n, kernel_size, padding, stride, position)
    last = kernel_size - 1
    return markup.note(
        f"position {g['position']}: output cell ({g['row']}, {g['col']}) &larr; padded rows "
        f"{g['top']}&ndash;{g['top'] + last}, columns {g['left']}&ndash;{g['left'] + last}"
    )


def _checked(draw, quiet=False):
    """Show the reason (once: ``quiet`` views stay empty) when the kernel does not fit."""

    def render(**values):
        try:
            return draw(**values)
        except ValueError as err:
            return "" if quiet else markup.error(str(err))

    return render


def conv_arithmetic_explorer():
    """Sliders for input size, kernel size, padding and stride; a position slider steps
    the kernel over the input and highlights one output cell's receptive field.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> ex = conv_arithmetic_explorer()
    >>> "<b>3</b>" in ex.render_view("formula", n=5, kernel_size=3, padding=1, stride=2)
    True
    """
    controls = [
        slider("n", 3, 9, default=5, static=[4, 5, 6, 7], label="input size H = W"),
        slider("kernel_size", 1, 5, default=3, static=[2, 3], label="kernel size k"),
        slider("padding", 0, 3, default=0, static=[0, 1], label="padding p"),
        slider("stride", 1, 3, default=1, static=[1, 2], label="stride s"),
        slider("position", 0, 80, default=0, static=range(64), label="kernel position"),
    ]
    geometry_args = ("n", "kernel_size", "padding", "stride")

    def limits(n, kernel_size, padding, stride, **_):
        try:
            out = geometry(n, kernel_size, padding, stride)["out"]
        except ValueError:
            out = 1
        return {"position": out * out - 1}

    views = [
        View("grids", _checked(lambda position, **v: draw_grids(**v)), geometry_args),
        View("window", _checked(draw_position, quiet=True)),
        View("formula", _checked(formula, quiet=True), geometry_args),
        View("where", _checked(window, quiet=True)),
    ]
    return Explorer(
        "Convolution arithmetic: output size and receptive field",
        controls,
        views,
        layout=[[("grids", "window")], ["formula"], ["where"]],
        limits=limits,
    )
