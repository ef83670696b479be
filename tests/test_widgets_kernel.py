"""In a real Jupyter kernel, outputs carry both the live widget and the static fallback.

This is what the book build sees: nbclient runs the notebook, keeps every
output's MIME bundle, and the HTML builder then picks ``text/html``.
"""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

WIDGET = "application/vnd.jupyter.widget-view+json"

CELLS = [
    "import cnn_lib.widgets as w\nw.conv_arithmetic_explorer()",
    """import numpy as np
from cnn_lib.layers import Linear
from cnn_lib.losses import CrossEntropyLoss
from cnn_lib.optim import SGD
from cnn_lib.training import fit
model = Linear(2, 2, rng=0)
x, y = np.array([[1.0, 0.0], [0.0, 1.0]] * 8), np.array([0, 1] * 8)
monitor = w.TrainingMonitor()
history = fit(model, x, y, loss=CrossEntropyLoss(), optimizer=SGD(model.parameters(), lr=0.5),
              epochs=3, batch_size=4, rng=0, callbacks=[monitor], progress=False)""",
    """monitor2 = w.TrainingMonitor()
history = fit(model, x, y, loss=CrossEntropyLoss(), optimizer=SGD(model.parameters(), lr=0.5),
              epochs=2, batch_size=4, rng=0, callbacks=[monitor2], progress=True)""",
]


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def bundles(cell):
    return [out["data"] for out in cell.outputs if "data" in out]


def test_an_explorer_output_holds_the_widget_and_the_html_panel(executed):
    (data,) = bundles(executed.cells[0])
    assert WIDGET in data and "text/plain" in data
    assert data["text/html"].startswith('<div class="cnn-panel"')
    assert data["text/html"].count('type="range"') == 5


def test_the_training_monitor_leaves_a_training_explorer_of_the_whole_run(executed):
    (data,) = bundles(executed.cells[1])  # one display, updated in place at the end
    assert WIDGET in data
    html = data["text/html"]
    assert "Training history" in html and "epoch 3: loss" in html


def test_fit_with_progress_leaves_the_monitor_as_the_only_html(executed):
    """``fit(progress=True)`` draws tqdm.auto's notebook bars (widget views only,
    invisible in the book, which loads no widget JavaScript) and writes no text
    stream; the monitor's bundle is the one output with ``text/html``."""
    cell = executed.cells[2]
    assert not [out for out in cell.outputs if out["output_type"] == "stream"]
    with_html = [data for data in bundles(cell) if "text/html" in data]
    (monitor,) = with_html
    assert WIDGET in monitor and "epoch 2: loss" in monitor["text/html"]
    bars = [data for data in bundles(cell) if "text/html" not in data]
    assert len(bars) == 1 and WIDGET in bars[0]  # one bar for the whole run (both epochs)
