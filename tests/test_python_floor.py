"""One Python floor everywhere, and ``make`` stops with one clear message below it.

The make tests run the real Makefile in a scratch copy of the project's set-up
files, with fake interpreters (shell scripts), so nothing is installed. They need
``make`` and a POSIX shell, and are skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cnn_lib import doctor

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "3.11"
SETUP_FILES = ("Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml")


def test_the_floor_agrees_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={FLOOR}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + FLOOR.replace(".", "")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PYTHON_MIN := (\S+)$", makefile, re.M)[1] == FLOOR
    assert ".".join(map(str, doctor.MIN_PYTHON)) == FLOOR
    for name in ("README.md", "requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text(encoding="utf-8")
        claims = set(re.findall(r"Python >= (3\.\d+)", text))
        assert claims == {FLOOR}, f"{name} states the floor as {claims}"


def test_the_floor_is_the_one_this_python_meets():
    assert sys.version_info[:2] >= tuple(map(int, FLOOR.split(".")))


needs_make = pytest.mark.skipif(
    shutil.which("make") is None or os.name == "nt", reason="needs make and a POSIX shell"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in SETUP_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def fake_python(folder: Path, version: str) -> Path:
    """An 'interpreter' that answers every question like Python ``version`` would."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "python"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def our_messages(run: subprocess.CompletedProcess) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.startswith("make: '")]


@needs_make
def test_make_book_stops_on_python_3_10(project, tmp_path):
    fake = fake_python(tmp_path / "old", "3.10")
    run = make(project, "book", f"PYTHON={fake}")
    assert run.returncode != 0
    [message] = our_messages(run)
    assert f"'{fake}' is Python 3.10" in message  # the version found
    assert f"needs Python >= {FLOOR}" in message  # the version needed
    assert "make book PYTHON=python3.12" in message  # how to point make at another
    assert not (project / ".venv").exists(), "nothing is created before the check"
    assert run.stdout == ""


@needs_make
@pytest.mark.parametrize("goal", ["test", "setup", "lab"])
def test_every_goal_that_builds_the_venv_checks_first(project, tmp_path, goal):
    fake = fake_python(tmp_path / "old", "3.9")
    run = make(project, goal, f"PYTHON={fake}")
    [message] = our_messages(run)
    assert "is Python 3.9" in message and f"make {goal} PYTHON=python3.12" in message


@needs_make
def test_make_names_an_interpreter_that_does_not_run(project, tmp_path):
    run = make(project, "book", f"PYTHON={tmp_path / 'no-such-python'}")
    [message] = our_messages(run)
    assert "does not run as Python" in message and f">= {FLOOR}" in message


@needs_make
@pytest.mark.parametrize("version", [FLOOR, "3.13", "4.0"])
def test_a_new_enough_python_passes_silently(project, tmp_path, version):
    run = make(project, "python-check", f"PYTHON={fake_python(tmp_path / 'new', version)}")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


@needs_make
def test_an_old_venv_is_named_with_how_to_start_over(project, tmp_path):
    fake_python(project / ".venv" / "bin", "3.10")
    good = fake_python(tmp_path / "new", "3.12")
    run = make(project, "setup", f"PYTHON={good}")  # the venv's Python is what runs
    [message] = our_messages(run)
    assert "'.venv/bin/python' is Python 3.10" in message and "delete .venv" in message


@needs_make
def test_make_lab_adds_allow_root_for_root_only(project):
    venv_bin = project / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    jupyter = venv_bin / "jupyter"
    jupyter.write_text('#!/bin/sh\necho "jupyter $*"\n')
    jupyter.chmod(0o755)
    (project / ".venv" / ".installed").touch()  # set up already: lab only starts Lab
    run = make(project, "lab")
    assert run.returncode == 0, run.stderr
    expected = "jupyter lab --allow-root book/" if os.geteuid() == 0 else "jupyter lab book/"
    assert run.stdout.splitlines()[-1] == expected
