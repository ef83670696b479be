"""The book's notebooks are listed in the table of contents and stored clean.

Committed notebooks carry no outputs and no execution counts: the book build
executes them, and clean files keep diffs readable and the repository small.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def _toc_files() -> list[str]:
    """Every ``file:`` entry of ``_toc.yml`` (root included), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def _resolve(entry: str) -> Path | None:
    for suffix in (".ipynb", ".md"):
        path = ROOT / (entry + suffix)
        if path.exists():
            return path
    return None


NOTEBOOKS = sorted(BOOK.rglob("*.ipynb"))


def test_every_toc_entry_exists():
    missing = [entry for entry in _toc_files() if _resolve(entry) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {str(_resolve(entry).relative_to(ROOT)) for entry in _toc_files() if _resolve(entry)}
    unlisted = [
        str(nb.relative_to(ROOT))
        for nb in NOTEBOOKS
        if ".ipynb_checkpoints" not in nb.parts and str(nb.relative_to(ROOT)) not in listed
    ]
    assert not unlisted, f"notebooks missing from _toc.yml: {unlisted}"


def test_there_are_notebooks():
    assert NOTEBOOKS, "book/ holds no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_a_title(path):
    first = json.loads(path.read_text())["cells"][0]
    text = "".join(first["source"])
    assert first["cell_type"] == "markdown" and text.startswith("# "), (
        f"{path.name} must start with a '# Title' markdown cell (Jupyter Book needs a title)"
    )


def test_chapters_are_numbered_in_file_order():
    """Chapter N of the numbered parts is ``book/NN_*`` (the quickstart is chapter 1).

    Exercise, equation and figure numbers read "N.1", "N.2", ...: the chapter
    number a file name promises must be the one the book prints. Appendices sit
    in an unnumbered part.
    """
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = [part for part in toc["parts"] if part.get("numbered")]
    numbered = [chapter["file"] for part in parts for chapter in part["chapters"]]
    assert numbered[0] == "book/quickstart", "the quickstart must be chapter 1"
    for n, entry in enumerate(numbered[1:], start=2):
        assert Path(entry).name.startswith(f"{n:02d}_"), f"chapter {n} is {entry}"
    for part in toc["parts"]:
        names = [Path(c["file"]).name for c in part["chapters"]]
        if not part.get("numbered"):
            assert not any(name[:2].isdigit() for name in names), f"unnumbered chapters: {names}"
    assert all(part.get("numbered") in (None, 1) for part in toc["parts"]), (
        "`numbered: 1` numbers chapters only; deeper numbering changes every label"
    )
