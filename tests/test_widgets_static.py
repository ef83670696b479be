"""The generic explorer mechanism: controls, live redraws and the static HTML panel."""

from __future__ import annotations

import html.parser
import itertools
import json
import re

import pytest

from cnn_lib.widgets import static
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View


class PanelParser(html.parser.HTMLParser):
    """Collect the parts of a static panel we check, and verify tags are balanced."""

    VOID = {"input", "img", "br", "path", "rect", "circle", "polyline", "meta"}

    def __init__(self):
        super().__init__()
        self.ranges, self.views, self.ids, self.stack = [], [], [], []
        self.scripts, self._in_script = [], None
        self.errors = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "input" and attrs.get("type") == "range":
            self.ranges.append(attrs)
        if "data-view" in attrs:
            self.views.append(attrs["data-view"])
        if tag == "script":
            self._in_script = attrs.get("type", "text/javascript")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # self-closing SVG elements: nothing to balance

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))


def parse(text: str) -> PanelParser:
    parser = PanelParser()
    parser.feed(text)
    parser.close()
    assert not parser.errors, parser.errors
    assert not parser.stack, f"unclosed tags: {parser.stack}"
    return parser


def panel_data(text: str) -> dict:
    parser = parse(text)
    (payload,) = [data for kind, data in parser.scripts if kind == "application/json"]
    return json.loads(payload)


def square_explorer(calls=None):
    """n, colour -> two views; counts render calls per view."""
    calls = calls if calls is not None else {}

    def count(name, text):
        calls[name] = calls.get(name, 0) + 1
        return text

    controls = [
        slider("n", 1, 4),
        choice("colour", ["red", "blue"]),
        slider("live_only", 0, 10, default=3, static=[3]),
    ]
    views = [
        View("square", lambda n, colour, live_only: count("square", f"<b>{colour} {n * n}</b>")),
        View("n", lambda n, **_: count("n", f"<i>{n}</i>"), ("n",)),
    ]
    return Explorer("squares", controls, views)


def test_slider_static_values_default_to_every_step():
    assert slider("k", 1, 3).static == (1, 2, 3)
    assert slider("t", 0.0, 1.0, 0.25).static == (0.0, 0.25, 0.5, 0.75, 1.0)


def test_slider_with_too_many_steps_needs_explicit_static_values():
    with pytest.raises(ValueError, match="static"):
        slider("x", 0, 100)


def test_choice_accepts_labels_and_rejects_unknown_options():
    c = choice("mode", {"valid mode": "valid", "same mode": "same"}, default="same mode")
    assert c.default == "same"
    assert c.index_of("same") == 1 and c.index_of("valid mode") == 0
    with pytest.raises(ValueError, match="mode must be one of"):
        c.index_of("diagonal")


def test_frames_render_each_view_once_per_combination_of_its_dependencies():
    calls = {}
    data = static.frames(square_explorer(calls))
    assert calls == {"square": 4 * 2, "n": 4}  # the fixed live-only slider adds nothing
    assert data["renders"] == 12
    square, n_view = data["views"]
    assert square["deps"] == [0, 1] and n_view["deps"] == [0]
    # items follow the mixed-radix order: the last dependency moves fastest
    texts = [data["strings"][i] for i in square["items"]]
    expected = [f"<b>{c} {n * n}</b>" for n, c in itertools.product(range(1, 5), ["red", "blue"])]
    assert texts == expected


def test_identical_renders_are_stored_once():
    ex = Explorer("same", [slider("n", 1, 5)], [View("v", lambda n: "<b>constant</b>")])
    data = static.frames(ex)
    assert data["strings"] == ["<b>constant</b>"] and data["views"][0]["items"] == [0] * 5


def test_panel_structure_controls_and_views():
    text = square_explorer().to_html()
    parser = parse(text)
    assert [r["data-control"] for r in parser.ranges] == ["n", "colour"]
    assert [(r["min"], r["max"], r["value"]) for r in parser.ranges] == [
        ("0", "3", "0"),
        ("0", "1", "0"),
    ]
    assert parser.views == ["0", "1"]
    data = panel_data(text)
    assert [c["labels"] for c in data["controls"]] == [["1", "2", "3", "4"], ["red", "blue"]]
    # the initial markup is in the page even before any script runs
    assert "<b>red 1</b>" in text and "<i>1</i>" in text
    kinds = [kind for kind, _ in parser.scripts]
    assert kinds == ["application/json", "text/javascript"]
    assert "document.currentScript" in parser.scripts[1][1]  # the inlined static_panel.js


def test_panel_has_no_external_resources():
    text = square_explorer().to_html()
    assert "http://" not in text and "https://" not in text and "//cdn" not in text
    assert not re.search(r"<script[^>]*\ssrc=", text)
    assert not re.search(r"<link\b", text)


def test_every_panel_gets_a_unique_id_even_for_the_same_explorer():
    ex = square_explorer()
    ids = [parse(ex.to_html()).ids for _ in range(3)] + [parse(square_explorer().to_html()).ids]
    flat = [i for group in ids for i in group]  # panel, title and one id per control each
    assert len(flat) == 4 * 4 and len(set(flat)) == 4 * 4  # panel, title, two controls
    assert all(i.startswith("cnn-panel-") for i in flat)


def test_markup_cannot_close_the_json_script_early():
    # markup of a frame that is not shown at first lives only inside the JSON
    nasty = "</script><script>alert(1)</script><!-- x"
    ex = Explorer("nasty", [slider("n", 1, 2)], [View("v", lambda n: nasty if n == 2 else "ok")])
    text = ex.to_html()
    parser = parse(text)
    assert [kind for kind, _ in parser.scripts] == ["application/json", "text/javascript"]
    assert panel_data(text)["strings"] == ["ok", nasty]


def test_a_default_outside_the_static_grid_starts_on_its_first_value():
    ex = Explorer(
        "off grid",
        [slider("t", 0.1, 5.0, 0.1, default=0.7, static=[1.0, 2.0])],
        [View("v", lambda t: f"{t}")],
    )
    data = static.frames(ex)
    assert data["controls"][0]["value"] == 0
    assert "1.0" in ex.to_html()


def test_too_many_renders_are_refused(monkeypatch):
    monkeypatch.setattr(static, "MAX_RENDERS", 10)
    with pytest.raises(ValueError, match="more than 10 renders"):
        static.frames(square_explorer())


def test_layout_must_place_every_view_and_views_need_known_controls():
    controls, views = [slider("n", 1, 2)], [View("a", str), View("b", str)]
    with pytest.raises(ValueError, match="layout must place every view"):
        Explorer("x", controls, views, layout=[["a"]])
    with pytest.raises(ValueError, match="unknown controls"):
        Explorer("x", controls, [View("a", str, ("m",))])


def test_live_widget_redraws_only_the_views_that_depend_on_the_moved_control():
    calls = {}
    ex = square_explorer(calls)
    ex.widget()
    calls.clear()
    ex.set(colour="blue")
    assert calls == {"square": 1}
    ex.set(n=3)
    assert calls == {"square": 2, "n": 1}
    boxes = {name: box for name, (box, _) in ex._view_widgets.items()}
    assert boxes["square"].value == "<b>blue 9</b>" and boxes["n"].value == "<i>3</i>"
    assert ex.values == {"n": 3, "colour": "blue", "live_only": 3}
    assert 0 < ex.last_update_seconds < 1.0


def test_limits_adjust_a_live_slider_and_clamp_its_value():
    ex = Explorer(
        "limited",
        [slider("size", 1, 5, default=5), slider("pos", 0, 24, default=20)],
        [View("v", lambda size, pos: f"{pos}/{size}")],
        limits=lambda size, **_: {"pos": size * size - 1},
    )
    ex.widget()
    ex.set(size=2)
    assert ex.widgets["pos"].max == 3 and ex.widgets["pos"].value == 3
    assert ex._view_widgets["v"][0].value == "3/2"


def test_mimebundle_offers_the_live_widget_and_the_static_fallback():
    ex = square_explorer()
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {
        "text/plain",
        "text/html",
        "application/vnd.jupyter.widget-view+json",
    }
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget().model_id
    assert bundle["text/html"].startswith('<div class="cnn-panel"')
    assert "squares" in bundle["text/plain"]


def test_results_come_from_the_compute_step_not_from_drawing():
    calls = []
    ex = Explorer(
        "r",
        [slider("n", 1, 3)],
        [View("v", lambda n: f"<b>{n}</b>")],
        compute=lambda n: calls.append(n) or {"square": n * n},
    )
    ex.widget()
    ex.set(n=2)
    ex.to_html()  # renders n = 1, 2, 3 without computing results
    assert calls == []
    assert ex.results == {"square": 4}
