"""``Panel``: the one display protocol of every explorer, panel and monitor.

Every object of :mod:`cnn_lib.widgets` that a notebook cell displays is a
``Panel``. A panel has

- ``to_html()``: a self-contained HTML panel (no network, no library) that the
  built book shows and that runs without Python;
- ``widget()``: a live ipywidgets view driven by Python, or ``None`` for the
  panels computed in the browser (the playground, the draw panel).

``_repr_mimebundle_`` returns both, and each front end picks what it can show:
JupyterLab prefers the widget view, the book's HTML builder is configured to
prefer ``text/html`` (see ``nb_mime_priority_overrides`` in ``_config.yml``).
"""

from __future__ import annotations

import json


def script_json(data) -> str:
    """JSON that is safe inside ``<script>``: no ``</`` or ``<!--`` can end it early.

    Examples
    --------
    >>> script_json({"a": "</script>"})
    '{"a":"<\\\\/script>"}'
    """
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


#: Attributes of every panel's root element. ``data-lm-suppress-shortcuts``
#: tells JupyterLab not to treat keys pressed inside the panel as notebook
#: shortcuts (arrow keys would otherwise move between cells, not move a slider).
ROOT_ATTRIBUTES = 'role="group" data-lm-suppress-shortcuts="true"'


class Panel:
    """Base class: HTML for the book, a MIME bundle (widget + HTML) for Jupyter.

    Subclasses define :meth:`to_html` and, if they have a live Python view,
    :meth:`widget`.
    """

    title = ""

    def to_html(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def widget(self):
        """The live ipywidgets view, or ``None`` if the panel runs in the browser only."""
        return None

    def _repr_mimebundle_(self, include=None, exclude=None):
        live = self.widget()
        bundle = {}
        if live is not None:
            bundle.update(live._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle
