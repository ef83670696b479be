"""The chapters in JupyterLab, as a reader runs them (issue 16, items 1 and 2).

The test starts its own JupyterLab on a free local port, with a throw-away
settings and workspace folder, the repository's ``jupyter/overrides.json`` as the
application settings, and a copy of a chapter (saving never touches ``book/``):

- MyST renders: the chapter's Markdown cells show no raw ``{eq}``, ``{doc}``,
  ``{term}``, ``:::{exercise}`` ... text (needs ``jupyterlab-myst``);
- widget state survives a save: run the chapter, save, shut the kernel down,
  reload, reopen: the explorers display, no "model not found".

Set ``LAB_SCREENSHOTS`` to a folder to keep screenshots of both.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser

CHAPTER = "03_convolution.ipynb"  # a short chapter with several explorers
RAW_MYST = re.compile(r"\{[a-z][\w:-]*\}`|:::\{|```\{|\(\w[\w-]*\)=")
# the rendered view of a Markdown cell, next to its hidden editor: JupyterLab's own
# renderer (.jp-RenderedMarkdown) or jupyterlab-myst's (.myst)
RENDERED = (
    ".jp-MarkdownCell .jp-InputArea > .jp-RenderedMarkdown, .jp-MarkdownCell .jp-InputArea > .myst"
)
BROKEN_WIDGET = re.compile(r"Error displaying widget|model not found", re.IGNORECASE)
START_TIMEOUT = 60  # seconds for the server to answer
RUN_TIMEOUT = 120  # seconds for the whole chapter to execute


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port; yields (base URL, notebook folder)."""
    if _chromium() is None:
        pytest.skip("chromium not found: install it with `sudo apt-get install chromium`")
    if importlib.util.find_spec("jupyterlab_myst") is None:
        pytest.fail("jupyterlab-myst is not installed: run `make setup` (requirements.txt)")
    tmp = tmp_path_factory.mktemp("lab")
    notebooks, settings = tmp / "notebooks", tmp / "app-settings"
    notebooks.mkdir()
    settings.mkdir()
    shutil.copy(ROOT / "book" / CHAPTER, notebooks / CHAPTER)
    overrides = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    # test only: render every cell, also those scrolled out of view, so text can be read
    overrides["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    overrides["@jupyterlab/apputils-extension:notification"] = {"fetchNews": "false"}
    (settings / "overrides.json").write_text(json.dumps(overrides))
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.app_settings_dir={settings}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=notebooks,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status", proc, log)
        yield base, notebooks
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def lab_page(lab, browser):
    # The session's chromium (conftest.py): Playwright allows one sync driver per process.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _open(page, base: str) -> None:
    """Open the chapter and wait until its Markdown cells are rendered."""
    page.goto(f"{base}/lab/tree/{CHAPTER}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=60_000)
    page.wait_for_function(  # the MyST renderer fills the cells after the first paint
        f"() => Array.from(document.querySelectorAll({RENDERED!r}))"
        ".filter(e => e.textContent.trim()).length > 3",
        timeout=60_000,
    )
    page.wait_for_timeout(1000)


def _shoot(page, name: str) -> None:
    folder = os.environ.get("LAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_myst_renders_in_jupyterlab(lab, lab_page):
    base, _ = lab
    _open(lab_page, base)
    texts = lab_page.eval_on_selector_all(RENDERED, "els => els.map(e => e.textContent)")
    assert texts, "no rendered Markdown cells"
    raw = sorted({m for t in texts for m in RAW_MYST.findall(t)})
    # a math role rendered by MyST leaves MathJax output, not TeX source
    maths = lab_page.locator(".jp-MarkdownCell .katex, .jp-MarkdownCell mjx-container").count()
    lab_page.locator(".jp-MarkdownCell").nth(4).scroll_into_view_if_needed()
    _shoot(lab_page, "jupyterlab-myst-chapter.png")
    assert not raw, f"raw MyST markup in rendered Markdown cells of {CHAPTER}: {raw}"
    assert maths > 0, "no rendered equations"


RUN_SAVE_SHUTDOWN_JS = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  const ok = await app.commands.execute('notebook:run-all-cells');
  await app.commands.execute('docmanager:save');
  await panel.sessionContext.shutdown();
  await panel.context.ready;
  return ok;
}"""


def test_widget_state_survives_save_and_reopen(lab, lab_page):
    base, notebooks = lab
    page = lab_page
    _open(page, base)
    page.set_default_timeout(RUN_TIMEOUT * 1000)
    ok = page.evaluate(RUN_SAVE_SHUTDOWN_JS)
    assert ok, "a cell of the chapter failed in JupyterLab"
    live = page.locator(".jp-OutputArea .jupyter-widgets").count()
    assert live > 0, "the chapter showed no widgets while running"
    saved = json.loads((notebooks / CHAPTER).read_text())
    state = saved["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
    assert state and state.get("state"), "widget state was not saved in the notebook"
    page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    page.reload()  # a fresh page: nothing is left in the browser's memory
    _open(page, base)
    page.wait_for_selector(".jp-OutputArea .jupyter-widgets", timeout=60_000)
    page.wait_for_timeout(3000)
    text = page.locator(".jp-Notebook").inner_text()
    errors = sorted(set(BROKEN_WIDGET.findall(text)))
    page.locator(".jp-OutputArea .jupyter-widgets").first.scroll_into_view_if_needed()
    _shoot(page, "jupyterlab-reopened-notebook.png")
    assert not errors, f"reopened {CHAPTER} shows {errors}"
    shown = page.locator(".jp-OutputArea .jupyter-widgets").count()
    assert shown >= live // 2, f"only {shown} widget views after reopening ({live} when run)"
