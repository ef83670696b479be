"""Show a trace: a torchsummary-style table, and a drawing of the layers as blocks.

Taught in chapter 13, Training end to end, with :func:`cnn_lib.tracer.trace`,
which derives the numbers shown here.
"""

from __future__ import annotations

import html

import numpy as np

from cnn_lib.tracer import FLOAT32_BYTES, NOWRAP, _check_input_shape, trace


class Summary:
    """A table of a trace with totals; prints as text, shows as HTML in Jupyter.

    Attributes
    ----------
    rows : list of LayerTrace
    input_shape : tuple
    total_params : int
    activation_bytes : int
        Sum of every layer's output size for one sample (float32).
    """

    HEADER = ("#", "layer", "output shape", "params", "receptive field", "jump", "output KB")

    def __init__(self, rows, input_shape):
        self.rows = rows
        self.input_shape = tuple(input_shape)
        self.total_params = sum(r.params for r in rows)
        self.activation_bytes = sum(r.bytes for r in rows)

    def _cells(self):
        for r in self.rows:
            jump = "-" if r.jump is None else "x".join(map(str, r.jump))
            shape = "x".join(map(str, r.output_shape))
            kb = f"{r.bytes / 1024:.2f}"
            yield (r.index, r.name, shape, f"{r.params:,}", r.rf_text, jump, kb)

    def _totals(self) -> list[str]:
        return [
            f"input shape per sample: {self.input_shape}",
            f"total parameters: {self.total_params:,} "
            f"({self.total_params * FLOAT32_BYTES / 1024:.1f} KB in float32)",
            f"activations per sample: {self.activation_bytes / 1024:.1f} KB in float32",
        ]

    def __str__(self) -> str:
        table = [self.HEADER, *self._cells()]
        widths = [max(len(row[c]) for row in table) for c in range(len(self.HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]  # fmt: skip
        rule = "-" * len(lines[0])
        return "\n".join([lines[0], rule, *lines[1:], rule, *self._totals()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join(  # only the layer column may wrap
            "<tr>" + "".join(f"<td{'' if i == 1 else NOWRAP}>{html.escape(c)}</td>"
                             for i, c in enumerate(row)) + "</tr>"
            for row in self._cells()
        )  # fmt: skip
        notes = "<br>".join(html.escape(t) for t in self._totals())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{notes}</p>"


def summary(model, input_shape) -> Summary:
    """A torchsummary-style table of :func:`trace`, with totals.

    Examples
    --------
    >>> from cnn_lib.layers import Linear, Sequential
    >>> summary(Sequential(Linear(3, 2)), (3,)).total_params
    8
    """
    return Summary(trace(model, input_shape), _check_input_shape(input_shape))


def plot_trace(model, input_shape):
    """Draw the layers as blocks: width ~ channels, height ~ spatial size, labelled with shapes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    rows = trace(model, input_shape)
    stages = [("input", _check_input_shape(input_shape))]
    stages += [(r.name.split("(")[0], r.output_shape) for r in rows]
    side_max = max(s[1] if len(s) == 3 else 1 for _, s in stages)
    fig, ax = plt.subplots(figsize=(9, 3.0), layout="constrained")
    x = 0.0
    for name, shape in stages:
        if len(shape) == 3:  # a stack of feature maps: width grows with the channels
            width, height, colour = 0.3 + 0.12 * np.sqrt(shape[0]), shape[1] / side_max, "C0"
        else:  # a vector of units: a thin bar, log-scaled height
            width, height, colour = 0.2, min(1.0, 0.15 + 0.1 * np.log10(shape[0])), "C1"
        ax.add_patch(plt.Rectangle((x, -height / 2), width, height, color=colour, alpha=0.7))
        label = "x".join(map(str, shape))
        ax.text(x + width / 2, -0.58, label, ha="right", va="top", fontsize=8, rotation=40)
        ax.text(x + width / 2, 0.56, name, ha="left", va="bottom", fontsize=8, rotation=40)
        x += width + 0.3
    ax.set(xlim=(-0.5, x + 0.3), ylim=(-1.2, 1.2))
    ax.set_axis_off()
    return fig


__all__ = ["Summary", "plot_trace", "summary"]
