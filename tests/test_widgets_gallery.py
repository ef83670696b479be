"""The explorer gallery shows every panel of ``cnn_lib.widgets`` exactly once."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import cnn_lib.widgets as widgets

GALLERY = Path(__file__).resolve().parents[1] / "book" / "explorer_gallery.ipynb"


def calls_in_gallery() -> list[str]:
    """Names of every function or class called in the gallery's code cells."""
    cells = json.loads(GALLERY.read_text(encoding="utf-8"))["cells"]
    names = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Call):
                func = node.func
                names.append(func.attr if isinstance(func, ast.Attribute) else func.id)
    return names


def panel_makers() -> set[str]:
    """Every public name of cnn_lib.widgets that builds something a reader displays."""
    makers = {name for name in widgets.__all__ if name.endswith("_explorer")}
    makers |= {"conv_playground", "draw_and_convolve", "TrainingMonitor"}
    return makers


def test_the_explorer_list_names_every_panel_maker():
    # training_explorer is what a TrainingMonitor shows once training ends
    assert set(widgets.EXPLORERS) == panel_makers() - {"training_explorer"}
    assert all(hasattr(widgets, name) for name in widgets.EXPLORERS)


def test_the_gallery_calls_each_explorer_exactly_once():
    calls = calls_in_gallery()
    counts = {name: calls.count(name) for name in panel_makers()}
    expected = {name: 1 for name in widgets.EXPLORERS} | {"training_explorer": 0}
    assert counts == expected


def test_the_gallery_does_not_claim_more_than_it_shows():
    text = GALLERY.read_text(encoding="utf-8")
    assert "widgets.progress" not in text  # removed: fit uses tqdm.auto
