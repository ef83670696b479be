"""Every page of the built book works offline in a real browser.

For each page, from ``file://`` with all network traffic blocked: no request
leaves the machine, the console stays free of errors, the page and the local
files it loads weigh at most 3 MB, and every slider of every static explorer
panel moves and changes what the panel shows (fast: the update is timed with
``performance.now()`` inside the page). The whole book stays under 60 MB.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

pytestmark = pytest.mark.browser

PAGE_BUDGET = 3 * 1024 * 1024  # bytes: the HTML and every local file it loads
BOOK_BUDGET = 60 * 1024 * 1024  # bytes: the whole built book
UPDATE_BUDGET_MS = 50  # a static slider must redraw within this (median over a page)

# What a panel shows, read in the page: every view's markup and the slider's readout.
SNAPSHOT_JS = """(el) => {
  const panel = el.closest('.cnn-panel');
  const views = Array.from(panel.querySelectorAll('[data-view]')).map(v => v.innerHTML);
  return views.join('\\u0000') + '|' + el.parentElement.querySelector('output').textContent;
}"""

# Move a slider to its other end, fire the event a reader's drag fires, and wait for
# two painted frames (so image decoding and layout are included).
FRAME_JS = """async (el) => {
  const t0 = performance.now();
  el.value = el.value === el.min ? el.max : el.min;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


class Visit:
    """A page opened with every network request blocked and recorded."""

    def __init__(self, browser, path: Path):
        self.network, self.console, self.failed, self.local = [], [], [], set()
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.console.append(f"page error: {err}"))
        self.page.on("websocket", lambda ws: self.network.append(ws.url))
        self.page.on("requestfailed", self._failed)
        self.page.on("request", self._request)
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_timeout(300)  # let late scripts (MathJax, theme) run

    def _route(self, route):
        if urlparse(route.request.url).scheme in ("http", "https", "ws", "wss"):
            self.network.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme == "file":
            self.local.add(unquote(url.path))
        elif url.scheme not in ("data", "blob", "about"):
            self.network.append(request.url)

    def _failed(self, request):
        if urlparse(request.url).scheme == "file":
            self.failed.append(request.url)

    def _console(self, msg):
        if msg.type == "error":
            self.console.append(msg.text)

    def weight(self) -> int:
        return sum(Path(p).stat().st_size for p in self.local if Path(p).is_file())

    def close(self):
        self.context.close()


def move_every_slider(page) -> list[float]:
    """Move each range input with the keyboard; return the in-page update times (ms)."""
    times = []
    sliders = page.locator(".cnn-panel input[type=range]")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        if not slider.is_visible() or slider.get_attribute("min") == slider.get_attribute("max"):
            continue  # a control hidden for this setting, or with one value only
        label = slider.get_attribute("aria-label")
        before = slider.evaluate(SNAPSHOT_JS)
        at_max = slider.get_attribute("max") == slider.input_value()
        slider.focus()
        page.keyboard.press("Home" if at_max else "End")
        after = slider.evaluate(SNAPSHOT_JS)
        assert after != before, f"slider {i} ({label!r}) moved but nothing changed"
        assert before.split("|")[-1] != after.split("|")[-1], f"slider {label!r}: same readout"
        times.append(float(slider.evaluate("el => el.closest('.cnn-panel').dataset.updateMs")))
    return times


def test_page_works_offline_and_its_sliders_respond(browser, book_html, page_path):
    path = page_path
    if path is None:
        pytest.fail(f"the built book at {book_html} has no pages: run `make book-check` first")
    visit = Visit(browser, path)
    try:
        page = visit.page
        assert not visit.network, f"network requests (all must be local): {visit.network}"
        assert not visit.console, f"console errors: {visit.console}"
        assert not visit.failed, f"local files that failed to load: {visit.failed}"
        weight = visit.weight()
        assert weight <= PAGE_BUDGET, f"page weighs {weight / 1e6:.2f} MB with its local files"
        ids = page.eval_on_selector_all(".cnn-panel", "els => els.map(e => e.id)")
        assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
        times = move_every_slider(page)
        frame_ms = []
        for panel in page.locator(".cnn-panel").all():  # time to the next painted frame
            slider = panel.locator("input[type=range]").first
            frame_ms.append(slider.evaluate(FRAME_JS))
        assert not visit.console, f"console errors after moving sliders: {visit.console}"
        assert not visit.network, f"network requests after moving sliders: {visit.network}"
        if times:
            median = statistics.median(times)
            print(
                f"\n{path.name}: {len(ids)} panels, {len(times)} sliders, "
                f"{weight / 1e6:.2f} MB; update median {median:.2f} ms, max {max(times):.2f} ms; "
                f"to next frame median {statistics.median(frame_ms):.1f} ms"
            )
            assert median < UPDATE_BUDGET_MS
            assert max(times) < 10 * UPDATE_BUDGET_MS
    finally:
        visit.close()


def test_whole_book_size(book_html):
    total = sum(p.stat().st_size for p in book_html.rglob("*") if p.is_file())
    print(f"\nwhole book: {total / 1e6:.1f} MB")
    assert total <= BOOK_BUDGET, f"the built book weighs {total / 1e6:.1f} MB (budget 60 MB)"
