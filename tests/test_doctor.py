"""``python -m cnn_lib.doctor``: every verdict of every check, the text and HTML reports."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cnn_lib import doctor
from cnn_lib.datasets.sources import Source

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.4.6", (2, 4, 6)), ("3.11", (3, 11)), ("2.5.0rc1", (2, 5, 0)), ("8.1.9.post2", (8, 1, 9))],
)
def test_version_tuple(text, expected):
    assert doctor.version_tuple(text) == expected


@pytest.mark.parametrize(("version", "verdict"), [((3, 10, 12), "fail"), ((3, 11, 0), "ok")])
def test_python_floor(version, verdict):
    row = doctor.check_python(version)
    assert row.verdict == verdict
    assert row.found.startswith(".".join(map(str, version)))
    assert ">= 3.11" in row.found
    assert ("PYTHON=python3.12" in row.fix) == (verdict == "fail")


def test_python_of_this_run_is_reported():
    assert doctor.check_python().found.startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")


def fake_version(value):
    def version(name):
        if value is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return value

    return version


@pytest.mark.parametrize(
    ("installed", "pins", "verdict", "words"),
    [
        (None, {}, "fail", "not installed"),
        ("1.23.5", {}, "fail", "older than the minimum 1.24"),
        ("1.26.4", {}, "ok", "needs >= 1.24"),
        ("2.3.1", {"numpy": "2.4.6"}, "warn", "tested with 2.4.6"),
        ("2.4.6", {"numpy": "2.4.6"}, "ok", "the tested version"),
    ],
)
def test_library_versions(monkeypatch, installed, pins, verdict, words):
    monkeypatch.setattr(importlib.metadata, "version", fake_version(installed))
    row = doctor.check_library("numpy", "1.24", pins)
    assert (row.item, row.verdict) == ("NumPy", verdict)
    assert words in row.found
    assert bool(row.fix) == (verdict != "ok")


def test_tested_pins_are_read_from_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("# comment\nNumPy==2.4.6\n-r other.txt\ntqdm>=4\n")
    assert doctor.tested_pins(tmp_path) == {"numpy": "2.4.6"}
    assert doctor.tested_pins(tmp_path / "nowhere") == {}
    # the real requirements pin every library the doctor checks
    assert set(doctor.LIBRARIES) <= set(doctor.tested_pins(ROOT))


def test_library_minimums_match_pyproject():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    minimums = {d.split(">=")[0]: d.split(">=")[1].split(",")[0] for d in deps}
    for name, minimum in doctor.LIBRARIES.items():
        assert minimums[name] == minimum, name


def make_project(tmp_path: Path) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'cnn_lib'\n")
    (tmp_path / ".venv").mkdir()
    return tmp_path


def test_environment_inside_the_project_venv(tmp_path):
    project = make_project(tmp_path)
    row = doctor.check_environment(prefix=project / ".venv", project=project)
    assert row.verdict == "ok" and row.fix == ""


def test_environment_elsewhere_says_how_to_get_in(tmp_path):
    project = make_project(tmp_path / "p")
    other = tmp_path / "elsewhere"
    row = doctor.check_environment(prefix=other, project=project)
    assert row.verdict == "warn"
    assert str(other) in row.found
    assert "make lab" in row.fix and str(project / ".venv") in row.fix


def test_environment_without_a_checkout_is_information(tmp_path):
    row = doctor.check_environment(prefix=tmp_path, project=tmp_path)
    assert row.verdict == "info" and str(tmp_path) in row.found


def install_widget_extension(prefix: Path) -> None:
    parts = ("share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager")
    folder = prefix.joinpath(*parts)
    folder.mkdir(parents=True)
    (folder / "package.json").write_text("{}")


@pytest.mark.parametrize(
    ("installed", "kernel", "verdict"),
    [(True, True, "ok"), (True, False, "info"), (False, True, "fail"), (False, False, "warn")],
)
def test_widget_extension(tmp_path, installed, kernel, verdict):
    if installed:
        install_widget_extension(tmp_path)
    row = doctor.check_widgets(kernel=kernel, prefix=tmp_path)
    assert row.verdict == verdict
    assert ("not installed" in row.found) == (not installed)
    assert bool(row.fix) == (not installed)


def test_not_in_a_kernel_under_pytest():
    assert doctor.in_kernel() is False


def test_cache_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_LIB_DATA", str(tmp_path / "data"))
    row = doctor.check_cache()
    assert row.verdict == "ok"
    assert str(tmp_path / "data") in row.found and "will be created" in row.found
    assert not (tmp_path / "data").exists(), "the doctor only looks, it creates nothing"
    (tmp_path / "data").mkdir()
    assert "exists" in doctor.check_cache().found


def test_cache_that_cannot_be_written(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    # chmod cannot stop root from writing, so the refusal is simulated.
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    row = doctor.check_cache(root=tmp_path)
    assert row.verdict == "fail"
    assert "CNN_LIB_DATA" in row.fix


def test_writable_folder_walks_up_to_an_existing_folder(tmp_path):
    assert doctor.writable_folder(tmp_path / "a" / "b") == tmp_path


@pytest.fixture
def toy_source(monkeypatch):
    source = Source(title="Toy", folder="toy", mirrors=("http://127.0.0.1:9",),
                    files={"a.gz": None, "b": None})  # fmt: skip
    monkeypatch.setattr(doctor, "SOURCES", {"toy": source})
    return source


def test_dataset_in_the_cache_is_offline(tmp_path, toy_source):
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "a").write_bytes(b"")  # an already gunzipped copy counts
    (folder / "b").write_bytes(b"")
    rows = doctor.check_datasets(root=tmp_path)
    assert [(r.item, r.verdict) for r in rows] == [("sample data", "ok"), ("Toy", "ok")]
    assert str(folder) in rows[1].found


def test_a_gunzipped_archive_counts_only_where_the_loader_accepts_it(tmp_path, monkeypatch):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.tar").write_bytes(b"")
    for decompressed, verdict in ((True, "ok"), (False, "info")):
        source = Source(title="Toy", folder="toy", mirrors=("http://127.0.0.1:9",),
                        files={"a.tar.gz": None}, decompressed_checksums=decompressed)  # fmt: skip
        monkeypatch.setattr(doctor, "SOURCES", {"toy": source})
        assert doctor.check_datasets(root=tmp_path)[1].verdict == verdict


def test_dataset_with_a_missing_file_is_not_offline(tmp_path, toy_source, monkeypatch):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.gz").write_bytes(b"")
    row = doctor.check_datasets(root=tmp_path)[1]
    assert (row.verdict, row.found) == ("info", "not offline: the first load downloads it")
    hinted = Source(**{**toy_source.__dict__, "install_hint": "apt-get install toy"})
    monkeypatch.setattr(doctor, "SOURCES", {"toy": hinted})
    row = doctor.check_datasets(root=tmp_path)[1]
    assert row.found.endswith("downloads it (or apt-get install toy)")


def test_missing_sample_is_a_failure(tmp_path, monkeypatch, toy_source):
    monkeypatch.setattr(doctor, "SAMPLE_FILE", tmp_path / "gone.npz")
    row = doctor.check_datasets(root=tmp_path)[0]
    assert row.verdict == "fail" and "gone.npz" in row.found


def test_debian_fashion_mnist_is_found_when_installed(tmp_path):
    system = Path(doctor.SOURCES["fashion_mnist"].system_dirs[0])
    if not system.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    rows = {row.item: row for row in doctor.check_datasets(root=tmp_path)}
    assert rows["Fashion-MNIST"].verdict == "ok"
    assert str(system) in rows["Fashion-MNIST"].found


@pytest.mark.parametrize(("path", "verdict"), [("/opt/x/chromium", "ok"), (None, "warn")])
def test_chromium(monkeypatch, path, verdict):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: path)
    row = doctor.check_chromium()
    assert row.verdict == verdict
    assert ("apt-get install chromium" in row.fix) == (path is None)


ROWS = [
    doctor.Check("Python", "ok", "3.11.7 (needs >= 3.11)"),
    doctor.Check("data cache", "fail", "/x <y> is not writable", "set CNN_LIB_DATA"),
]


def test_text_report_has_one_line_per_item_with_verdict_and_fix():
    lines = doctor.as_text(ROWS).splitlines()
    assert len(lines) == 2
    assert lines[0].split() == ["ok", "Python", "3.11.7", "(needs", ">=", "3.11)"]
    assert lines[1].startswith("fail  data cache  /x <y> is not writable")
    assert lines[1].endswith("-> fix: set CNN_LIB_DATA")


def test_html_report_is_a_small_escaped_table():
    table = doctor.as_html(ROWS)
    assert table.count("<tr>") == 3  # header + one row per item
    assert table.count("<th ") == 4 and "<caption>" in table
    assert table.count('style="text-align:left"') == 4 * 3  # Jupyter would right-align
    assert "&lt;y&gt;" in table and "<y>" not in table
    assert "<strong>fail</strong>" in table


def test_show_prints_text_outside_jupyter(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "run_checks", lambda root=None: ROWS)
    assert doctor.show() == ROWS
    assert capsys.readouterr().out == doctor.as_text(ROWS) + "\n"


def test_show_displays_a_table_in_a_kernel(monkeypatch):
    display_module = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(display_module, "display", lambda data, raw: shown.append((data, raw)))
    monkeypatch.setattr(doctor, "in_kernel", lambda: True)
    monkeypatch.setattr(doctor, "run_checks", lambda root=None: ROWS)
    doctor.show()
    [(data, raw)] = shown
    assert raw is True
    assert data == {"text/plain": doctor.as_text(ROWS), "text/html": doctor.as_html(ROWS)}


@pytest.mark.parametrize(("verdicts", "status"), [(["ok", "warn", "info"], 0), (["ok", "fail"], 1)])
def test_exit_status_fails_only_on_a_failure(monkeypatch, capsys, verdicts, status):
    rows = [doctor.Check(f"item {i}", v, "x") for i, v in enumerate(verdicts)]
    monkeypatch.setattr(doctor, "run_checks", lambda root=None: rows)
    assert doctor.main() == status


ITEMS = ["Python", "NumPy", "matplotlib", "ipywidgets", "environment",
         "widgets in JupyterLab", "data cache", "sample data", "MNIST", "Fashion-MNIST",
         "CIFAR-10", "chromium"]  # fmt: skip


def test_every_item_is_checked_in_order(tmp_path):
    rows = doctor.run_checks(root=tmp_path)
    assert [row.item for row in rows] == ITEMS
    assert all(row.verdict in doctor.VERDICTS for row in rows)
    assert all(row.fix for row in rows if row.verdict in ("warn", "fail"))


def test_command_line_reports_every_item(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CNN_LIB_DATA": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "cnn_lib.doctor"], capture_output=True, text=True, env=env
    )
    lines = run.stdout.splitlines()
    assert len(lines) == len(ITEMS), run.stdout + run.stderr
    for line, item in zip(lines, ITEMS, strict=True):
        verdict, rest = line.split(maxsplit=1)
        assert verdict in doctor.VERDICTS and rest.startswith(item)
    assert f"{tmp_path}" in run.stdout
    assert run.returncode == int(any(line.startswith("fail") for line in lines))
