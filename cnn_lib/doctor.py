"""Is my setup right? ``python -m cnn_lib.doctor`` checks it, one line per item.

Each line has a verdict (``ok``, ``warn``, ``fail`` or ``info``), what was found and,
when something is off, how to fix it: the Python and library versions, the
environment, the widget extension for JupyterLab, the data cache and the data
sets available offline, and chromium for the browser tests. In a terminal it
prints plain text (exit status 1 if any item fails); in a notebook,
``doctor.show()`` displays a small table.
"""

from __future__ import annotations

import html
import importlib.metadata
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnn_lib.datasets.cache import DATA_VARIABLE, data_home, search_dirs
from cnn_lib.datasets.sample import SAMPLE_FILE
from cnn_lib.datasets.sources import SOURCES

#: The oldest supported Python: the oldest one that every pinned requirement supports.
MIN_PYTHON = (3, 11)
#: The libraries a reader's notebooks need (distribution names), with the oldest versions
#: that pyproject.toml accepts, and their names in the report.
LIBRARIES = {"numpy": "1.24", "matplotlib": "3.7", "ipywidgets": "8.1"}
TITLES = {"numpy": "NumPy", "matplotlib": "matplotlib", "ipywidgets": "ipywidgets"}
#: The project folder when cnn_lib runs from a checkout (it holds pyproject.toml).
PROJECT = Path(__file__).resolve().parent.parent
VERDICTS = ("ok", "info", "warn", "fail")


@dataclass(frozen=True)
class Check:
    """One line of the report: ``item``, ``verdict``, what was found, how to fix it."""

    item: str
    verdict: str
    found: str
    fix: str = ""


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"2.4.6rc1"`` -> ``(2, 4, 6)``."""
    numbers = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)


def tested_pins(project: Path = PROJECT) -> dict[str, str]:
    """``name -> version`` pinned in the checkout's ``requirements.txt`` (empty if absent)."""
    path = project / "requirements.txt"
    if not path.is_file():
        return {}
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", path.read_text(encoding="utf-8"), re.M)
    return {name.lower(): version for name, version in pins}


def in_kernel() -> bool:
    """True inside a Jupyter kernel (where a widget or an HTML table can be shown)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def check_python(version=None) -> Check:
    version = tuple(version or sys.version_info[:3])
    found = ".".join(map(str, version))
    need = ".".join(map(str, MIN_PYTHON))
    if version[:2] >= MIN_PYTHON:
        return Check("Python", "ok", f"{found} (needs >= {need})")
    fix = f"install Python >= {need}, delete .venv, then: make book PYTHON=python3.12"
    return Check("Python", "fail", f"{found}, but the pinned libraries need >= {need}", fix)


def check_library(name: str, minimum: str, pins: dict[str, str]) -> Check:
    title = TITLES.get(name, name)
    install = "pip install -r requirements.txt in the project's venv (make setup)"
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return Check(title, "fail", "not installed", install)
    tested = pins.get(name)
    if version_tuple(version) < version_tuple(minimum):
        return Check(title, "fail", f"{version}, older than the minimum {minimum}", install)
    if tested is None:
        return Check(title, "ok", f"{version} (needs >= {minimum})")
    if version != tested:
        return Check(title, "warn", f"{version}; the book is tested with {tested}", install)
    return Check(title, "ok", f"{version} (the tested version)")


def check_environment(prefix=None, project: Path = PROJECT) -> Check:
    prefix = Path(prefix or sys.prefix).resolve()
    venv = (project / ".venv").resolve()
    if not (project / "pyproject.toml").is_file():
        return Check("environment", "info", f"cnn_lib installed at {project} (not a checkout)")
    if prefix == venv:
        return Check("environment", "ok", f"the project's venv ({venv})")
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    fix = f"start Jupyter with `make lab`, or run {python}"
    return Check("environment", "warn", f"{prefix}, not the project's venv {venv}", fix)


def check_widgets(kernel: bool | None = None, prefix=None) -> Check:
    prefix = Path(prefix or sys.prefix)
    parts = ("share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager")
    installed = (prefix.joinpath(*parts) / "package.json").is_file()
    kernel = in_kernel() if kernel is None else kernel
    fix = "pip install -r requirements.txt in the venv that runs JupyterLab, then reload the page"
    if not installed:
        verdict = "fail" if kernel else "warn"
        return Check("widgets in JupyterLab", verdict, "front-end extension not installed", fix)
    if kernel:
        return Check("widgets in JupyterLab", "ok", "front-end extension installed; in a kernel")
    found = "front-end extension installed (run the doctor in a notebook to check the kernel)"
    return Check("widgets in JupyterLab", "info", found)


def writable_folder(folder: Path) -> Path | None:
    """The nearest existing folder at or above ``folder`` if it accepts a new file."""
    folder = Path(folder)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            return folder
    except OSError:
        return None


def check_cache(root=None) -> Check:
    home = data_home(root)
    fix = f"set {DATA_VARIABLE} to a folder you can write, or pass root=... to the loaders"
    if writable_folder(home) is None:
        return Check("data cache", "fail", f"{home} is not writable", fix)
    state = "exists" if home.is_dir() else "will be created on the first download"
    return Check("data cache", "ok", f"{home} ({state}, writable)")


def find_offline(key: str, root=None) -> Path | None:
    """The folder that holds every file of data set ``key``, or ``None``."""
    source = SOURCES[key]
    for folder in search_dirs(source, root):
        # a gunzipped copy counts where the loader accepts it (as cache._find does)
        strip = source.decompressed_checksums
        names = [(name, name.removesuffix(".gz") if strip else name) for name in source.files]
        if all((folder / a).is_file() or (folder / b).is_file() for a, b in names):
            return folder
    return None


def check_datasets(root=None) -> list[Check]:
    rows = []
    if SAMPLE_FILE.is_file():
        rows.append(Check("sample data", "ok", "embedded Fashion-MNIST subset (load_sample)"))
    else:
        reinstall = "reinstall cnn_lib: pip install --no-deps -e ."
        rows.append(Check("sample data", "fail", f"missing: {SAMPLE_FILE}", reinstall))
    for key, source in SOURCES.items():
        folder = find_offline(key, root)
        if folder is not None:
            rows.append(Check(source.title, "ok", f"offline in {folder}"))
        else:
            found = "not offline: the first load downloads it"
            if source.install_hint:
                found += f" (or {source.install_hint})"
            rows.append(Check(source.title, "info", found))
    return rows


def check_chromium() -> Check:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return Check("chromium", "ok", f"{path} (for the browser tests)")
    fix = "only for make test: sudo apt-get install chromium (Debian/Ubuntu)"
    return Check("chromium", "warn", "not found: the browser tests cannot run", fix)


def run_checks(root=None) -> list[Check]:
    """Every check, in the order of the report."""
    pins = tested_pins()
    rows = [check_python()]
    rows += [check_library(name, low, pins) for name, low in LIBRARIES.items()]
    rows += [check_environment(), check_widgets(), check_cache(root)]
    return rows + check_datasets(root) + [check_chromium()]


def as_text(rows: list[Check]) -> str:
    """One line per check: ``verdict  item  found  -> fix``."""
    width = max(len(row.item) for row in rows)
    lines = []
    for row in rows:
        line = f"{row.verdict:<4}  {row.item:<{width}}  {row.found}"
        lines.append(line + (f"  -> fix: {row.fix}" if row.fix else ""))
    return "\n".join(lines)


def _html_row(cells, tag: str = "td") -> str:
    # Jupyter right-aligns table cells (made for numbers); this table is text.
    return "<tr>" + "".join(f'<{tag} style="text-align:left">{c}</{tag}>' for c in cells) + "</tr>"


def as_html(rows: list[Check]) -> str:
    """A small table; the verdict is a word, so colour is never the only cue."""
    head = _html_row(("verdict", "item", "found", "fix"), "th")
    body = ""
    for row in rows:
        cells = map(html.escape, (row.item, row.found, row.fix or "-"))
        body += _html_row((f"<strong>{row.verdict}</strong>", *cells))
    caption = "<caption>cnn_lib setup check (python -m cnn_lib.doctor)</caption>"
    return (
        f'<table class="cnn-lib-doctor">{caption}<thead>{head}</thead><tbody>{body}</tbody></table>'
    )


def show(root=None) -> list[Check]:
    """Run the checks; a table in a notebook, plain text elsewhere. Returns the rows."""
    rows = run_checks(root)
    if in_kernel():
        from IPython.display import display

        display({"text/plain": as_text(rows), "text/html": as_html(rows)}, raw=True)
    else:
        print(as_text(rows))
    return rows


def main() -> int:
    """``python -m cnn_lib.doctor``: exit status 1 when any item fails."""
    rows = show()
    return int(any(row.verdict == "fail" for row in rows))


if __name__ == "__main__":
    sys.exit(main())
