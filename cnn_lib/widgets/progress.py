"""A tqdm progress bar that leaves a static copy of itself in the saved notebook.

In Jupyter, ``tqdm.auto`` draws an ipywidgets bar. The built book loads no
widget JavaScript (it would be 3.6 MB per page), so such a bar would show
nothing there. ``tqdm`` below is the same notebook bar, displayed with a
display id; when it closes, its output is replaced by one holding *both* the
widget and a ``text/html`` copy of the final state, which the book shows.
Outside a Jupyter kernel it is plain ``tqdm.auto.tqdm``.
"""

from __future__ import annotations

import html


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def bar_html(bar) -> str:
    """Static HTML of a tqdm bar's current state: description, bar, counts, postfix."""
    d = bar.format_dict
    total, n = d.get("total") or 0, d.get("n", 0)
    stats = bar.format_meter(**{**d, "bar_format": "{n_fmt}/{total_fmt} [{elapsed}{postfix}]"})
    desc = html.escape(d.get("prefix") or "")
    return (
        f'<div class="cnn-progress" style="display:flex;gap:8px;align-items:center;'
        f'font:13px monospace">{desc}<progress max="{total}" value="{n}" '
        f'style="width:180px"></progress><span>{html.escape(stats)}</span></div>'
    )


class _BarOutput:
    """What is displayed: the live widget plus the static HTML fallback."""

    def __init__(self, bar):
        self.bar = bar

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.bar.container._repr_mimebundle_() or {})
        bundle["text/html"] = bar_html(self.bar)
        bundle["text/plain"] = str(self.bar)
        return bundle


def _notebook_class():
    from tqdm.notebook import tqdm as notebook_tqdm

    class NotebookBar(notebook_tqdm):
        """``tqdm.notebook.tqdm`` whose final output also carries static HTML."""

        def __init__(self, *args, **kwargs):
            from IPython.display import display

            kwargs["display"] = False  # we display it ourselves, with a handle
            super().__init__(*args, **kwargs)
            self._handle = None
            if not self.disable:
                self._handle = display(_BarOutput(self), display_id=True)
                self.displayed = True

        def close(self):
            super().close()
            if getattr(self, "_handle", None) is not None:
                self._handle.update(_BarOutput(self))
                self._handle = None

    return NotebookBar


def tqdm(*args, **kwargs):
    """A progress bar: the notebook bar with a static fallback in Jupyter, else ``tqdm.auto``.

    Takes the arguments of ``tqdm.tqdm``.

    Examples
    --------
    >>> list(tqdm(range(3), disable=True))
    [0, 1, 2]
    """
    if _in_kernel():
        try:
            return _notebook_class()(*args, **kwargs)
        except ImportError:  # pragma: no cover - no ipywidgets: tqdm falls back itself
            pass
    from tqdm.auto import tqdm as auto_tqdm

    return auto_tqdm(*args, **kwargs)
