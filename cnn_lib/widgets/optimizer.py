"""``optimizer_explorer``: SGD, momentum and Adam on a narrow valley, step by step.

A companion to chapter 12, Optimizers, shown in the explorer gallery.
Notation: learning rate ``eta``, momentum ``mu``, Adam's ``beta_1`` and ``beta_2``.
The paths come from ``cnn_lib.optim.SGD`` and ``cnn_lib.optim.Adam`` themselves.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.layers.module import Parameter
from cnn_lib.optim import SGD, Adam
from cnn_lib.widgets import markup, svg
from cnn_lib.widgets.controls import slider
from cnn_lib.widgets.explorer import Explorer, View

CURVATURE = np.array([1.0, 20.0])  # loss = (theta_1^2 + 20 theta_2^2) / 2: a narrow valley
START = np.array([-4.0, 1.0])
STEPS = 60
SIZE = (420, 260)
AXES = dict(xlim=(-4.6, 1.4), ylim=(-1.6, 1.6), width=SIZE[0], height=SIZE[1])
STYLE = {
    "SGD": (svg.COLOURS[0], ""),
    "momentum": (svg.COLOURS[1], "6 3"),
    "Adam": (svg.COLOURS[2], "2 3"),
}


def loss(theta) -> float:
    """The valley: ``(theta_1^2 + 20 theta_2^2) / 2``, minimum 0 at the origin."""
    return float(0.5 * np.sum(CURVATURE * np.asarray(theta) ** 2))


def trajectory(name, lr, momentum=0.0, beta1=0.9, beta2=0.999, steps=STEPS):
    """The points ``theta`` that optimizer ``name`` visits from ``START``, ``(steps + 1, 2)``."""
    theta = Parameter(START.copy())
    if name == "Adam":
        optimizer = Adam([theta], lr=lr, betas=(beta1, beta2))
    else:
        optimizer = SGD([theta], lr=lr, momentum=momentum if name == "momentum" else 0.0)
    points = [theta.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        theta.grad += CURVATURE * theta.data  # the gradient of the valley
        optimizer.step()
        points.append(theta.data.copy())
        if not np.all(np.isfinite(theta.data)) or np.abs(theta.data).max() > 1e6:
            break  # diverged: stop drawing
    return np.array(points)


def _surface() -> str:
    ax = svg.Axes(title="loss = (θ₁² + 20 θ₂²) / 2", **AXES)
    ellipses = []
    for level in (0.05, 0.3, 1.0, 2.5, 5.0, 8.0, 12.0):
        rx, ry = np.sqrt(2 * level / CURVATURE)  # the contour loss = level
        sx = rx * (ax.right - ax.left) / (AXES["xlim"][1] - AXES["xlim"][0])
        sy = ry * (ax.bottom - ax.top) / (AXES["ylim"][1] - AXES["ylim"][0])
        ellipses.append(
            f'<ellipse cx="{ax.x(0)}" cy="{ax.y(0)}" rx="{sx:.1f}" ry="{sy:.1f}" '
            'fill="none" stroke="#c9d1d9"/>'
        )
    clip = f'<clipPath id="cnn-opt-clip"><rect x="{ax.left}" y="{ax.top}" '
    clip += f'width="{ax.right - ax.left}" height="{ax.bottom - ax.top}"/></clipPath>'
    body = clip + f'<g clip-path="url(#cnn-opt-clip)">{"".join(ellipses)}</g>'
    body += ax.frame("θ₁", "θ₂") + ax.dot(0, 0, colour="#24292f", r=3)
    body += ax.legend(
        list(STYLE), [c for c, _ in STYLE.values()], dashed=(1, 2), corner="lower right"
    )
    return svg.svg(*SIZE, body, title="Contours of a narrow valley, minimum at the origin")


def _path(points, name) -> str:
    ax = svg.Axes(**AXES)
    colour, dash = STYLE[name]
    shown = np.clip(points, [-50, -50], [50, 50])  # keep diverged paths drawable
    xy = " ".join(f"{ax.x(a)},{ax.y(b)}" for a, b in shown)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    body = (
        f'<g clip-path="url(#cnn-opt-clip)"><polyline points="{xy}" fill="none" '
        f'stroke="{colour}" stroke-width="2"{dashes}/>'
        + ax.dot(*shown[-1], colour=colour, r=3)
        + "</g>"
    )
    return svg.svg(*SIZE, body, hidden=True)


def optimizer_explorer():
    """Sliders for the learning rate, momentum and Adam's betas -> the three optimizers' paths.

    Returns
    -------
    Explorer
        ``explorer.results`` holds each optimizer's ``"paths"`` (arrays of the
        points visited) and ``"final_loss"``.

    Examples
    --------
    >>> ex = optimizer_explorer()
    >>> sorted(ex.results["paths"])
    ['Adam', 'SGD', 'momentum']
    """
    controls = [
        slider(
            "lr",
            0.01,
            0.09,
            0.01,
            default=0.03,
            static=[0.01, 0.03, 0.06, 0.09],
            label="learning rate η",
        ),
        slider(
            "momentum", 0.0, 0.95, 0.05, default=0.9, static=[0.0, 0.5, 0.9], label="momentum μ"
        ),
        slider("beta1", 0.0, 0.99, 0.01, default=0.9, static=[0.5, 0.9], label="Adam β₁"),
        slider(
            "beta2",
            0.9,
            0.999,
            0.001,
            default=0.999,
            static=[0.9, 0.999],
            label="Adam β₂",
            fmt="{:.3f}",
        ),
    ]

    def compute(lr, momentum, beta1, beta2):
        paths = {
            "SGD": trajectory("SGD", lr),
            "momentum": trajectory("momentum", lr, momentum=momentum),
            "Adam": trajectory("Adam", lr, beta1=beta1, beta2=beta2),
        }
        return {"paths": paths, "final_loss": {k: loss(p[-1]) for k, p in paths.items()}}

    def show_note(lr, momentum, beta1, beta2):
        final = compute(lr, momentum, beta1, beta2)["final_loss"]
        parts = [
            f"{name}: loss {value:.3g}"
            if np.isfinite(value) and value < 1e6
            else f"{name}: diverged"
            for name, value in final.items()
        ]
        return markup.note(
            f"After {STEPS} steps from (−4, 1) (loss {loss(START):.1f}): "
            + "; ".join(parts)
            + ". SGD must keep η below 2 / 20 = 0.1 or it overshoots across the valley;"
            " Adam's steps are about η long whatever the slope."
        )

    views = [
        View("surface", lambda **_: _surface(), ()),
        View("SGD", lambda lr, **_: _path(trajectory("SGD", lr), "SGD"), ("lr",)),
        View(
            "momentum",
            lambda lr, momentum, **_: _path(
                trajectory("momentum", lr, momentum=momentum), "momentum"
            ),
            ("lr", "momentum"),
        ),
        View(
            "Adam",
            lambda lr, beta1, beta2, **_: _path(
                trajectory("Adam", lr, beta1=beta1, beta2=beta2), "Adam"
            ),
            ("lr", "beta1", "beta2"),
        ),
        View("note", show_note),
    ]
    return Explorer(
        "Three optimizers on a narrow valley",
        controls,
        views,
        layout=[[("surface", "SGD", "momentum", "Adam")], ["note"]],
        compute=compute,
    )
