"""``activation_explorer``: an activation function, its derivative, and one input.

Taught in chapter 7 (activations).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional import activations as act
from cnn_lib.widgets import markup, svg
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

SLOPE = 0.1  # leaky ReLU's negative slope, larger than the usual 0.01 so it is visible
XLIM = (-5.0, 5.0)


def _functions():
    """name -> (f, f', y-range of the plot), built from cnn_lib.functional."""
    ones = np.ones_like
    return {
        "ReLU": (act.relu, lambda x: act.relu_backward(ones(x), x), (-1, 5)),
        f"leaky ReLU ({SLOPE})": (
            lambda x: act.leaky_relu(x, SLOPE),
            lambda x: act.leaky_relu_backward(ones(x), x, SLOPE),
            (-1, 5),
        ),
        "sigmoid": (
            act.sigmoid,
            lambda x: act.sigmoid_backward(ones(x), act.sigmoid(x)),
            (-0.25, 1.25),
        ),
        "tanh": (act.tanh, lambda x: act.tanh_backward(ones(x), act.tanh(x)), (-1.25, 1.25)),
    }


def activation_explorer():
    """Choose ReLU / leaky ReLU / sigmoid / tanh and an input x: see f(x) and f'(x).

    Returns
    -------
    Explorer
        ``explorer.results`` holds ``"x"``, ``"f"`` and ``"df"`` (floats).

    Examples
    --------
    >>> ex = activation_explorer()
    >>> ex.set(function="sigmoid", x=0.0)
    >>> ex.results["f"], ex.results["df"]
    (0.5, 0.25)
    """
    functions = _functions()
    controls = [
        choice("function", {name: name for name in functions}, kind="toggle"),
        slider(
            "x",
            XLIM[0],
            XLIM[1],
            0.1,
            default=1.0,
            static=np.arange(-8, 9) / 2,
            label="input x",
            fmt="{:.1f}",
        ),
    ]
    grid = np.linspace(*XLIM, 201)

    def axes(function):
        return svg.Axes(XLIM, functions[function][2], width=360, height=230, title=function)

    def show_curves(function, **_):
        f, df, _ = functions[function]
        ax = axes(function)
        body = ax.frame("x", "") + ax.line(grid, f(grid), svg.COLOURS[0])
        body += ax.line(grid, df(grid), svg.COLOURS[2], dashed=True)
        body += ax.legend(["f(x)", "f\u2032(x)"], [svg.COLOURS[0], svg.COLOURS[2]], dashed=(1,))
        alt = f"Graph of {function} f(x), solid, and of f\u2032(x), dashed, for x from -5 to 5"
        return ax.draw(body, alt)

    def compute(function, x):
        f, df, _ = functions[function]
        return {"x": x, "f": float(f(np.array([x]))[0]), "df": float(df(np.array([x]))[0])}

    def show_point(function, x):
        r = compute(function, x)
        ax = axes(function)
        dotted = 'stroke="#57606a" stroke-dasharray="2 3"'
        guide = f'<path d="M{ax.x(x)} {ax.top}V{ax.bottom}" {dotted}/>'
        dots = ax.dot(x, r["f"], svg.COLOURS[0]) + ax.dot(x, r["df"], svg.COLOURS[2], r=3)
        return svg.svg(ax.width, ax.height, guide + dots, hidden=True)  # "values" says it

    def show_values(function, x):
        r = compute(function, x)
        value, slope = r["f"], r["df"]
        if slope < 0.05:
            hint = "almost no gradient flows back through this unit (saturated or dead)."
        elif slope >= 0.99:
            hint = "the gradient passes through unchanged."
        else:
            hint = f"the gradient is multiplied by {slope:.3f} on its way back."
        return markup.note(
            f"f({x:.1f}) = <b>{value:.3f}</b>, f&prime;({x:.1f}) = <b>{slope:.3f}</b>: {hint}"
        )

    views = [
        View("curves", show_curves, ("function",)),
        View("point", show_point),
        View("values", show_values),
    ]
    return Explorer(
        "Activation functions and their derivatives",
        controls,
        views,
        layout=[[("curves", "point")], ["values"]],
        compute=compute,
    )
