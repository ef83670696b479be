"""One object, two faces: a live ipywidgets explorer and a static HTML panel.

An ``Explorer`` is a list of controls and a list of *views*. A view is a pure
function from the controls' values to a string of HTML (an image, a table, a
chart). That single render function is used twice:

- **live, in Jupyter**: every control is an ipywidget; when one moves, the
  views that depend on it are re-rendered by Python;
- **static, in the HTML book**: the views are rendered in advance for every
  combination of the controls' ``static`` values (see :mod:`.static`), and a
  few lines of JavaScript swap them as the reader moves a range input.

What an explorer computes (the arrays a test or a curious reader may check)
comes from a separate ``compute`` step, :attr:`Explorer.results`; drawing has
no side effects. Display and MIME bundle come from :class:`.panel.Panel`.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from cnn_lib.widgets import static
from cnn_lib.widgets.controls import Control, shared_styles
from cnn_lib.widgets.panel import Panel


@dataclass
class View:
    """One panel of an explorer.

    Attributes
    ----------
    name : str
    render : callable
        ``render(**values) -> str`` of HTML, called with every control's value.
        It must be pure: same values, same HTML, nothing else changed.
    depends : tuple of str or None
        Names of the controls the view changes with (``None``: all of them).
        Declaring it keeps the static page small: a view that depends only on
        the image is rendered once per image, not once per slider combination.
    """

    name: str
    render: object
    depends: tuple | None = None


class Explorer(Panel):
    """Controls + views, displayable live in Jupyter and statically in the book.

    Parameters
    ----------
    title : str
    controls : list of Control
    views : list of View
    layout : list of list, optional
        Rows of view names; an inner tuple of names stacks those views on top
        of each other (an overlay, e.g. a highlight over a grid). Default: all
        views in one row.
    limits : callable, optional
        ``limits(**values) -> {control name: max}``: the range of sliders that
        depends on other settings (e.g. the number of kernel positions). Live
        and static sliders both follow it.
    visible : callable, optional
        ``visible(**values) -> {control name: bool}``: controls that only act
        for some settings are hidden for the others (live and static).
    compute : callable, optional
        ``compute(**values) -> dict`` of the arrays behind the views, exposed
        as :attr:`results`.
    on_change : callable, optional
        ``on_change(explorer, name)`` runs in Jupyter when control ``name``
        moves, before the views are redrawn (e.g. a preset sets the weights).
    control_rows : list of list of str, optional
        How the live controls are grouped into rows (default: one per row).

    Attributes
    ----------
    last_update_seconds : float
        Wall time of the last live redraw.

    Examples
    --------
    >>> from cnn_lib.widgets.controls import slider
    >>> ex = Explorer("square", [slider("n", 1, 3)], [View("sq", lambda n: f"<b>{n * n}</b>")])
    >>> ex.render_view("sq", n=3)
    '<b>9</b>'
    """

    def __init__(
        self,
        title,
        controls,
        views,
        layout=None,
        limits=None,
        visible=None,
        compute=None,
        on_change=None,
        control_rows=None,
    ):
        self.title = title
        self.controls = {c.name: c for c in controls}
        self.views = {v.name: v for v in views}
        for view in views:
            unknown = set(view.depends or ()) - set(self.controls)
            if unknown:
                raise ValueError(f"view {view.name!r} depends on unknown controls {unknown}")
        self.layout = layout or [[v.name for v in views]]
        placed = [n for row in self.layout for item in row for n in _names(item)]
        if sorted(placed) != sorted(self.views):
            raise ValueError(f"layout must place every view once, got {placed}")
        self.limits, self.visible, self.compute = limits, visible, compute
        self.on_change = on_change
        self.control_rows = control_rows or [[name] for name in self.controls]
        self.last_update_seconds = 0.0
        self._widgets = self._view_widgets = self._box = None
        self._frames = None  # the static grid, rendered once

    # --- values, results and rendering --------------------------------------------
    def defaults(self) -> dict:
        return {name: c.default for name, c in self.controls.items()}

    @property
    def values(self) -> dict:
        """Current values: the live widgets' if they exist, else the defaults."""
        if self._widgets is None:
            return self.defaults()
        return {
            name: self.controls[name].value_from_widget(widget.value)
            for name, widget in self._widgets.items()
        }

    @property
    def results(self) -> dict:
        """What the views show for the current values, from the ``compute`` step."""
        return {} if self.compute is None else self.compute(**self.values)

    def depends(self, view: str) -> tuple:
        deps = self.views[view].depends
        return tuple(self.controls) if deps is None else tuple(deps)

    def render_view(self, name: str, **values) -> str:
        """HTML of view ``name`` for ``values`` (missing ones take their defaults)."""
        return self.views[name].render(**{**self.defaults(), **values})

    # --- the live face: ipywidgets ----------------------------------------------
    def widget(self):
        """The live ipywidgets explorer (built once, then reused)."""
        if self._box is not None:
            return self._box
        # Widgets share their Layout and style objects: every distinct one is a
        # model stored in the saved notebook and in the book page's widget state.
        shared = shared_styles()
        html_style, view_layout = HTMLStyle(), w.Layout(margin="0 14px 6px 0")
        row_layout = w.Layout(flex_flow="row wrap")
        self._widgets = {name: c.make_widget(shared) for name, c in self.controls.items()}
        for name in self.visible(**self.defaults()) if self.visible else ():
            self._widgets[name].layout = w.Layout()  # its own, to hide it alone
        self._apply_rules()
        self._view_widgets = {}
        rows = []
        for row in self.layout:
            items = []
            for item in row:
                names = _names(item)
                box = w.HTML(self._render_item(names), layout=view_layout, style=html_style)
                for name in names:
                    self._view_widgets[name] = (box, names)
                items.append(box)
            rows.append(w.HBox(items, layout=row_layout))
        for widget in self._widgets.values():
            widget.observe(self._on_change, names="value")
        title = html.escape(self.title)
        header = f'<style>{static.css()}</style><div class="cnn-title">{title}</div>'
        header = w.HTML(header, layout=shared["layout"], style=html_style)
        controls = [
            w.HBox([self._widgets[n] for n in row], layout=shared["layout"])
            for row in self.control_rows
        ]
        self._box = w.VBox([header, *controls, *rows], layout=shared["layout"])
        return self._box

    @property
    def widgets(self) -> dict:
        """The live control widgets by name (building the live explorer if needed)."""
        self.widget()
        return self._widgets

    def set(self, **values) -> None:
        """Move live controls programmatically (a choice accepts its label or value)."""
        for name, value in values.items():
            control, widget = self.controls[name], self.widgets[name]
            widget.value = value if control.kind == "slider" else control.index_of(value)

    def _render_item(self, names) -> str:
        values = self.values
        parts = [self.views[name].render(**values) for name in names]
        return parts[0] if len(parts) == 1 else static.stack(parts)

    def _apply_rules(self) -> None:
        """Slider ranges that depend on other settings; hide controls that do nothing."""
        if self.limits is not None:
            for name, top in self.limits(**self.values).items():
                self._widgets[name].max = top  # ipywidgets clamps the value if needed
        if self.visible is not None:
            for name, shown in self.visible(**self.values).items():
                self._widgets[name].layout.display = None if shown else "none"

    def _on_change(self, change) -> None:
        start = time.perf_counter()
        changed = next(n for n, w in self._widgets.items() if w is change["owner"])
        if self.on_change is not None:
            self.on_change(self, changed)
        self._apply_rules()
        done = set()
        for box, names in self._view_widgets.values():
            if names in done or not any(changed in self.depends(n) for n in names):
                continue
            box.value = self._render_item(names)
            done.add(names)
        self.last_update_seconds = time.perf_counter() - start

    # --- the static face: precomputed HTML ------------------------------------
    def to_html(self) -> str:
        """The self-contained HTML + JavaScript panel (a fresh element id per call)."""
        if self._frames is None:
            self._frames = static.frames(self)
        return static.panel(self, self._frames)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r}, controls={list(self.controls)})"


def _names(item) -> tuple:
    """A layout item is a view name or a tuple of stacked view names."""
    return item if isinstance(item, tuple) else (item,)


__all__ = ["Control", "Explorer", "View"]
