"""``softmax_explorer``: logits -> probabilities -> cross-entropy and its gradient.

Taught in chapter 9 (softmax and cross-entropy), which defines the temperature
``T`` that divides the logits before the softmax (``T = 1`` is the plain softmax).
"""

from __future__ import annotations

import numpy as np

from cnn_lib.functional.softmax import cross_entropy, cross_entropy_backward, softmax
from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

CLASSES = ("cat", "dog", "bird")
LOGITS = ("z0", "z1", "z2")


def softmax_explorer():
    """Logit sliders and a temperature -> probability bars; cross-entropy for a true class.

    The explorer shows ``ŷ = softmax(z / T)`` (temperature ``T``; ``T = 1`` is
    the plain softmax), the loss ``L = -log ŷ[y]`` for the chosen true class
    ``y`` and its gradient: ``ŷ - onehot(y)`` with respect to the scaled logits
    ``z / T``, hence ``(ŷ - onehot(y)) / T`` with respect to ``z``.

    Returns
    -------
    Explorer
        ``explorer.results`` holds ``"probs"``, ``"loss"`` and ``"grad"`` (dL/dz).

    Examples
    --------
    >>> ex = softmax_explorer()
    >>> ex.set(z0=2.0, z1=0.0, z2=0.0, temperature=1.0, target="cat")
    >>> round(float(ex.results["probs"][0]), 3)
    0.787
    """
    logit_grid = [-2.0, 0.0, 2.0, 4.0]
    controls = [
        slider(
            z, -5.0, 5.0, 0.1, default=d, static=logit_grid, label=f"logit {z} ({c})", fmt="{:.1f}"
        )
        for z, c, d in zip(LOGITS, CLASSES, (2.0, 0.0, -2.0), strict=True)
    ]
    controls += [
        slider(
            "temperature",
            0.1,
            5.0,
            0.1,
            default=1.0,
            static=[0.5, 1.0, 2.0],
            label="temperature T (divides z; 1 = plain softmax)",
            fmt="{:.1f}",
        ),
        choice("target", {c: i for i, c in enumerate(CLASSES)}, label="true class", kind="toggle"),
    ]

    def scaled(values):
        return np.array([[values[z] for z in LOGITS]]) / values["temperature"]

    def compute(target, temperature, **values):
        z = scaled({**values, "temperature": temperature})
        y = np.array([target])
        grad_scaled = cross_entropy_backward(z, y)[0]  # = ŷ - onehot(y) for one sample
        return {
            "probs": softmax(z)[0],
            "loss": cross_entropy(z, y),
            "grad_scaled": grad_scaled,
            "grad": grad_scaled / temperature,
        }

    def show_probs(**values):
        probs = softmax(scaled(values))[0]
        return markup.bars(probs, CLASSES, 0.0, 1.0, title="\u0177 = softmax(z / T)")

    def show_loss(target, **values):
        r = compute(target, **values)
        loss = r["loss"]
        return markup.bars(
            r["grad_scaled"],
            CLASSES,
            -1.0,
            1.0,
            highlight=target,
            fmt="{:+.3f}",
            title="gradient \u0177 \u2212 y (orange, marked (true): the true class)",
        ) + markup.note(
            f"cross-entropy L = &minus;log &ycirc;<sub>{CLASSES[target]}</sub> = <b>{loss:.3f}</b>"
        )

    def show_rule(**_):
        return markup.note(
            "Gradient descent moves z against dL/dz = (&ycirc; &minus; y) / T: it raises the "
            "true class's logit and lowers the others. The temperature T divides the logits "
            "before the softmax: T = 1 is the plain softmax, a high T flattens &ycirc;, a low "
            "T sharpens it towards the largest logit."
        )

    views = [
        View("probs", show_probs, (*LOGITS, "temperature")),
        View("loss", show_loss),
        View("rule", show_rule, ()),
    ]
    return Explorer(
        "Softmax and cross-entropy",
        controls,
        views,
        layout=[["probs", "loss"], ["rule"]],
        compute=compute,
    )
