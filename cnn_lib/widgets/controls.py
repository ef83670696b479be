"""The knobs of an explorer: a ``Control`` is one slider or one choice.

A control knows two sets of values: the ones a reader can pick *live* in
Jupyter (where Python recomputes every view), and the bounded ``static``
subset that is precomputed for the HTML book (where no Python runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w
import numpy as np
from ipywidgets.widgets.widget_description import DescriptionStyle


@dataclass
class Control:
    """One slider or choice of an explorer.

    Use the constructors :func:`slider` and :func:`choice` rather than this class.

    Attributes
    ----------
    name : str
        Keyword under which render functions receive the value.
    label : str
        Text shown beside the control.
    options : list of (str, object)
        ``(label, value)`` pairs of a choice; empty for a numeric slider.
    default : object
        Starting value.
    static : tuple
        Values precomputed for the static page; one value means "fixed there".
    start, stop, step : float
        The live range of a numeric slider.
    kind : str
        ``"slider"``, ``"dropdown"`` or ``"toggle"``.
    fmt : str
        Format of a numeric value in labels, e.g. ``"{:.1f}"``.
    """

    name: str
    label: str
    options: list
    default: object
    static: tuple
    start: float = 0
    stop: float = 0
    step: float = 1
    kind: str = "slider"
    fmt: str = "{}"

    def label_of(self, value) -> str:
        """Human-readable text for ``value``."""
        for text, option in self.options:
            if option is value or (np.isscalar(option) and option == value):
                return text
        return self.fmt.format(value)

    @property
    def is_int(self) -> bool:
        return all(float(v).is_integer() for v in (self.start, self.stop, self.step))

    def make_widget(self, shared=None):
        """The ipywidgets control (a choice's widget value is the option's index).

        ``shared`` maps ``"layout"``, ``"slider"``, ``"dropdown"`` and ``"toggle"``
        to Layout / style objects reused by every control of an explorer: each
        one is a model whose state a saved notebook (and the book page) stores.
        """
        shared = shared if shared is not None else shared_styles()
        common = {"description": self.label, "layout": shared["layout"]}
        if self.kind == "slider":
            cls = w.IntSlider if self.is_int else w.FloatSlider
            kwargs = {} if self.is_int else {"readout_format": self.fmt.strip("{}:") or ".2f"}
            return cls(
                value=self.default,
                min=self.start,
                max=self.stop,
                step=self.step,
                style=shared["slider"],
                continuous_update=True,
                **common,
                **kwargs,
            )
        labelled = [(text, i) for i, (text, _) in enumerate(self.options)]
        index = self.index_of(self.default)
        cls = w.ToggleButtons if self.kind == "toggle" else w.Dropdown
        return cls(options=labelled, value=index, style=shared[self.kind], **common)

    def index_of(self, value) -> int:
        """Index of the option with ``value`` (or with label ``value``)."""
        for i, (text, option) in enumerate(self.options):
            if option is value or (isinstance(value, str) and text == value):
                return i
            if np.isscalar(option) and np.isscalar(value) and option == value:
                return i
        labels = ", ".join(repr(text) for text, _ in self.options)
        raise ValueError(f"{self.name} must be one of {labels}, got {value!r}")

    def value_from_widget(self, widget_value):
        if self.kind == "slider":
            return int(widget_value) if self.is_int else float(widget_value)
        return self.options[widget_value][1]


def shared_styles() -> dict:
    """One Layout and one style object per kind of control, to be shared."""
    wide = {"description_width": "initial"}
    return {
        "layout": w.Layout(),
        "slider": w.SliderStyle(**wide),
        "dropdown": DescriptionStyle(**wide),
        "toggle": w.ToggleButtonsStyle(**wide),
    }


def slider(name, start, stop, step=1, default=None, static=None, label=None, fmt=None) -> Control:
    """A numeric slider from ``start`` to ``stop`` (inclusive).

    Parameters
    ----------
    static : sequence of numbers, optional
        The values precomputed for the static page; by default every step of
        the range (at most 25 of them; give ``static`` for longer ranges).

    Examples
    --------
    >>> slider("stride", 1, 3).static
    (1, 2, 3)
    """
    default = start if default is None else default
    integer = all(float(v).is_integer() for v in (start, stop, step))
    if static is None:
        count = int(round((stop - start) / step)) + 1
        if count > 25:
            raise ValueError(f"slider {name!r} has {count} steps; pass static= with at most 25")
        static = [start + i * step for i in range(count)]
    cast = int if integer else float
    static = tuple(cast(round(v, 10)) for v in static)
    if fmt is None:
        fmt = "{}" if integer else "{:.2f}"
    return Control(name, label or name, [], cast(default), static, start, stop, step, "slider", fmt)


def choice(name, options, default=None, static=None, label=None, kind="dropdown") -> Control:
    """A choice among named options.

    Parameters
    ----------
    options : dict of label -> value, or sequence of labels (value = label)
    static : sequence of labels, optional
        Options precomputed for the static page (default: all).
    kind : {"dropdown", "toggle"}

    Examples
    --------
    >>> choice("mode", ["valid", "same", "full"]).default
    'valid'
    """
    pairs = list(options.items()) if isinstance(options, dict) else [(o, o) for o in options]
    control = Control(name, label or name, pairs, None, (), kind=kind)
    control.default = pairs[0][1] if default is None else pairs[control.index_of(default)][1]
    labels = [text for text, _ in pairs] if static is None else list(static)
    control.static = tuple(pairs[control.index_of(text)][1] for text in labels)
    return control
