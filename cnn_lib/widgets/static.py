"""Precompute an explorer's views over a grid of slider values -> one HTML panel.

The built book runs no Python, so each view is rendered in advance for every
combination of the ``static`` values of the controls it depends on. The panel
holds

- one ``<input type="range">`` per control (a choice is a range over its options),
- the distinct HTML strings of all views, stored once each, and for every view
  a table from slider positions to string numbers,
- ``static_panel.js`` (inlined, no external script), which looks the strings up
  when a slider moves.

A view that depends on ``k`` controls with ``n_1, ..., n_k`` static values costs
``n_1 * ... * n_k`` renders, so declaring what a view depends on keeps pages small.
"""

from __future__ import annotations

import hashlib
import html
import itertools
from functools import cache
from pathlib import Path

from cnn_lib.widgets.panel import ROOT_ATTRIBUTES, script_json

HERE = Path(__file__).resolve().parent
#: Refuse to precompute more renders than this for one explorer: pages must stay small.
MAX_RENDERS = 6000
_panel_numbers = itertools.count(1)


@cache
def css() -> str:
    """The panel's stylesheet (shared with the live widget)."""
    return (HERE / "static_panel.css").read_text(encoding="utf-8")


@cache
def javascript() -> str:
    """The few lines of JavaScript that swap precomputed frames."""
    return (HERE / "static_panel.js").read_text(encoding="utf-8")


def stack(parts) -> str:
    """Overlay HTML ``parts`` on top of each other (the first sets the size)."""
    return '<div class="cnn-stack">' + "".join(parts) + "</div>"


def shown_controls(explorer) -> list:
    """The controls that get a range input: those with two or more static values."""
    return [c for c in explorer.controls.values() if len(c.static) > 1]


def _start_values(explorer) -> dict:
    """Defaults, moved onto the static grid where a default is not one of its values."""
    values = explorer.defaults()
    for c in shown_controls(explorer):
        if not any(v is values[c.name] or _same(v, values[c.name]) for v in c.static):
            values[c.name] = c.static[0]
    return values


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except ValueError:  # arrays compare elementwise
        return False


def _index(control, value) -> int:
    return next(i for i, v in enumerate(control.static) if v is value or _same(v, value))


def frames(explorer) -> dict:
    """Render every view over the static grid.

    Returns
    -------
    dict
        ``controls``: per shown control its ``labels`` and starting ``value``
        index; ``views``: per view its ``deps`` (indices into ``controls``) and
        ``items`` (string number for each combination, last dep fastest);
        ``strings``: the distinct HTML strings; ``renders``: how many render calls.
    """
    shown = shown_controls(explorer)
    position = {c.name: i for i, c in enumerate(shown)}
    start = _start_values(explorer)
    strings, numbers, renders = [], {}, 0
    views = []
    for name, view in explorer.views.items():
        deps = [d for d in explorer.depends(name) if d in position]
        grids = [explorer.controls[d].static for d in deps]
        combos = list(itertools.product(*grids))
        renders += len(combos)
        if renders > MAX_RENDERS:
            raise ValueError(
                f"{explorer.title!r}: the static panel needs more than {MAX_RENDERS} renders; "
                "pass fewer static values to its sliders"
            )
        items = []
        for combo in combos:
            text = view.render(**{**start, **dict(zip(deps, combo, strict=True))})
            if text not in numbers:
                numbers[text] = len(strings)
                strings.append(text)
            items.append(numbers[text])
        views.append({"deps": [position[d] for d in deps], "items": items})
    controls = [
        {
            "labels": [c.label_of(v) for v in c.static],
            "value": _index(c, start[c.name]),
        }
        for c in shown
    ]
    data = {"controls": controls, "views": views, "strings": strings, "renders": renders}
    data["rules"] = rules(explorer, shown, start)
    return data


def rules(explorer, shown, start) -> list:
    """The explorer's ``limits`` and ``visible`` rules, tabulated over the static grid.

    Each rule has ``deps`` (the shown controls it reads: all but those it
    changes) and per combination of them an item ``{"max": {control index:
    last allowed static index}, "hide": [control indices]}``.
    """
    out = []
    position = {c.name: i for i, c in enumerate(shown)}
    for kind, rule in (("max", explorer.limits), ("hide", explorer.visible)):
        if rule is None:
            continue
        changed = set(rule(**start))
        deps = [c for c in shown if c.name not in changed]
        items = []
        for combo in itertools.product(*(c.static for c in deps)):
            result = rule(**{**start, **dict(zip((c.name for c in deps), combo, strict=True))})
            if kind == "hide":
                items.append([position[n] for n, on in result.items() if n in position and not on])
                continue
            tops = {}
            for name, top in result.items():
                if name in position:
                    allowed = [i for i, v in enumerate(explorer.controls[name].static) if v <= top]
                    tops[position[name]] = max(allowed, default=0)
            items.append(tops)
        out.append({"kind": kind, "deps": [position[c.name] for c in deps], "items": items})
    return out


def _initial(data, view) -> int:
    k = 0
    for d in view["deps"]:
        k = k * len(data["controls"][d]["labels"]) + data["controls"][d]["value"]
    return view["items"][k]


def panel(explorer, data=None) -> str:
    """The static HTML panel of ``explorer``: controls, views and the script.

    Every call gets a fresh ``id``, so several panels (even of the same
    explorer) can share a page.
    """
    data = frames(explorer) if data is None else data
    payload = {k: data[k] for k in ("controls", "views", "strings", "rules")}
    body = script_json(payload)
    digest = hashlib.sha1(body.encode()).hexdigest()[:8]
    panel_id = f"cnn-panel-{next(_panel_numbers)}-{digest}"
    shown = shown_controls(explorer)
    inputs = []
    for i, (c, spec) in enumerate(zip(shown, data["controls"], strict=True)):
        label, now = html.escape(c.label), html.escape(spec["labels"][spec["value"]])
        field = f"{panel_id}-c{i}"
        inputs.append(
            f'<div class="cnn-control"><label for="{field}">{label}</label>'
            f'<input type="range" id="{field}" min="0" max="{len(c.static) - 1}" step="1" '
            f'value="{spec["value"]}" aria-label="{label}" aria-valuetext="{now}" '
            f'data-control="{c.name}">'
            f'<output for="{field}">{now}</output></div>'
        )
    order = {name: i for i, name in enumerate(explorer.views)}

    def view_div(name):
        first = data["strings"][_initial(data, data["views"][order[name]])]
        return f'<div class="cnn-view" data-view="{order[name]}">{first}</div>'

    rows = []
    for row in explorer.layout:
        items = []
        for item in row:
            if isinstance(item, tuple):
                items.append(stack(view_div(name) for name in item))
            else:
                items.append(view_div(item))
        rows.append('<div class="cnn-row">' + "".join(items) + "</div>")
    return (
        f'<div class="cnn-panel" id="{panel_id}" {ROOT_ATTRIBUTES} '
        f'aria-labelledby="{panel_id}-t" data-frames="{data["renders"]}">'
        f"<style>{css()}</style>"
        f'<div class="cnn-title" id="{panel_id}-t">{html.escape(explorer.title)}</div>'
        f'<div class="cnn-controls">{"".join(inputs)}</div>'
        + "".join(rows)
        + f'<script type="application/json" class="cnn-data">{body}</script>'
        f"<script>{javascript()}</script></div>"
    )
