"""Fixtures for the browser tests: the built book and a headless Debian chromium.

The book is opened from ``file://`` exactly as a reader would open it, with
every network request (http, https, ws) blocked and recorded. Set
``BOOK_HTML`` to test another build (default ``_build/html`` in the repository).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def book_dir() -> Path:
    """The built HTML book: ``$BOOK_HTML`` (relative to the repository root) or ``_build/html``."""
    path = Path(os.environ.get("BOOK_HTML", "_build/html"))
    return path if path.is_absolute() else ROOT / path


def book_pages() -> list[Path]:
    """Every HTML page of the built book (not the theme's own static files)."""
    root = book_dir()
    if not root.is_dir():
        return []
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in root.rglob("*.html") if not skip & set(p.relative_to(root).parts))


def chromium_path() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_generate_tests(metafunc):
    """Run a test that takes ``page_path`` once per page of the built book."""
    if "page_path" in metafunc.fixturenames:
        pages = book_pages()
        ids = [str(p.relative_to(book_dir())) for p in pages]
        # no book: one case that fails with instructions, rather than silently nothing
        # module scope: pytest runs a module's tests page by page, so `visit` opens each
        # page once per module
        metafunc.parametrize("page_path", pages or [None], ids=ids or ["no-book"], scope="module")


@pytest.fixture(scope="session")
def book_html() -> Path:
    root = book_dir()
    if not (root / "index.html").is_file():
        pytest.fail(
            f"no built book at {root}: run `make book-check` (or `make book`) first, "
            "or point BOOK_HTML at a built book"
        )
    return root


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.fail("chromium not found: install it with `sudo apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# Block every request that would leave the machine; the book must work from file://.
def _offline(route):
    if route.request.url.split(":", 1)[0] in ("http", "https", "ws", "wss"):
        route.abort()
    else:
        route.continue_()


@pytest.fixture(scope="module")
def visit(browser, book_html, page_path):
    """``(path, page)``: one page of the book at 1280 x 900, offline, math typeset.

    Module-scoped: the tests of one module share the opened page, in file order.
    """
    if page_path is None:
        pytest.fail(f"the built book at {book_html} has no pages: run `make book-check` first")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _offline)
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_function(  # MathJax changes the layout when it typesets
        "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise"
        " || MathJax.startup.promise.then(() => true)",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
    try:
        yield page_path, page
    finally:
        context.close()
