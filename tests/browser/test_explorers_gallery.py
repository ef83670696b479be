"""The explorer gallery of the built book, used with the keyboard alone (real chromium).

Opens ``book/explorer_gallery.html`` of the built book (``BOOK_HTML``, see
``conftest.py``) from ``file://`` with the network blocked, and checks what a
keyboard or screen-reader user meets: every control reachable with Tab and
named, arrow keys that change the view, a visible focus ring, readable
heat-map numbers, inactive controls hidden, slider ranges that fit the
setting, and no progress-bar residue under ``fit``. An axe-core audit (WCAG
2.1 A/AA) of the explorers runs when axe.min.js is available.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cnn_lib.widgets as widgets

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = ".cnn-panel input, .cnn-panel select, .cnn-panel button, .cnn-panel canvas[tabindex]"

# The accessible name of an element, as far as these panels need it.
NAME_JS = """el => {
  const text = s => (s || '').replace(/\\s+/g, ' ').trim();
  if (el.getAttribute('aria-label')) return text(el.getAttribute('aria-label'));
  const by = el.getAttribute('aria-labelledby');
  if (by) return text(by.split(' ').map(id => document.getElementById(id).textContent).join(' '));
  const labels = Array.from(el.labels || []);
  if (labels.length) return text(labels.map(l => l.textContent).join(' '));
  return el.tagName === 'BUTTON' ? text(el.textContent) : '';
}"""

# WCAG contrast of each heat-map cell's text against its background, as rendered.
CONTRAST_JS = """root => {
  const lum = c => {
    const v = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(x => +x / 255)
      .map(x => x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  };
  return Array.from(root.querySelectorAll('table.cnn-heat td')).map(td => {
    const s = getComputedStyle(td), a = lum(s.color), b = lum(s.backgroundColor);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}"""

SNAPSHOT_JS = """root => Array.from(root.querySelectorAll('[data-view], output'))
  .map(el => el.innerHTML).join('|')"""


def axe_path() -> Path | None:
    """axe.min.js: ``$AXE_JS``, or a copy vendored or installed in the repository."""
    if os.environ.get("AXE_JS"):
        return Path(os.environ["AXE_JS"])
    for folder in ("tests/browser", "vendor", "node_modules/axe-core", "book/_static"):
        found = sorted((ROOT / folder).rglob("axe.min.js")) if (ROOT / folder).is_dir() else []
        if found:
            return found[0]
    return None


@pytest.fixture(scope="module")
def gallery(browser, book_html):
    path = book_html / "book" / "explorer_gallery.html"
    assert path.is_file(), f"no explorer gallery in {book_html}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors, network = [], []
    context.route("http*://**/*", lambda route: (network.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    yield page
    assert not errors, errors
    assert not network, network
    context.close()


def panels(page):
    return page.locator(".cnn-panel")


def test_every_explorer_is_on_the_page(gallery):
    titles = gallery.eval_on_selector_all(
        ".cnn-panel > .cnn-title", "els => els.map(e => e.textContent)"
    )
    count = len(widgets.EXPLORERS)  # the TrainingMonitor leaves a "Training history" panel
    assert len(titles) == count and len(set(titles)) == count, titles


def test_every_control_and_panel_has_an_accessible_name(gallery):
    names = gallery.eval_on_selector_all(CONTROLS, f"els => els.map({NAME_JS})")
    assert names and all(names), names
    panel_names = gallery.eval_on_selector_all(".cnn-panel", f"els => els.map({NAME_JS})")
    assert all(panel_names), panel_names


def test_tab_reaches_every_control_with_a_visible_focus_ring(gallery):
    targets = gallery.eval_on_selector_all(
        CONTROLS,
        "els => els.filter(e => e.offsetParent !== null && !e.disabled)"
        ".map(e => e.dataset.focusId = Math.random().toString(36).slice(2))",
    )
    gallery.evaluate("document.activeElement && document.activeElement.blur()")
    gallery.locator("body").focus()
    reached, rings = set(), []
    for _ in range(len(targets) + 400):
        gallery.keyboard.press("Tab")
        info = gallery.evaluate(
            """() => { const e = document.activeElement;
                       const s = getComputedStyle(e);
                       return [e.dataset.focusId || null, s.outlineStyle, s.outlineWidth]; }"""
        )
        if info[0]:
            reached.add(info[0])
            rings.append(info[1:])
        if reached == set(targets):
            break
    assert reached == set(targets), f"{len(set(targets) - reached)} controls never got focus"
    assert all(style != "none" and float(width[:-2]) >= 2 for style, width in rings)


def test_arrow_keys_move_every_slider_and_change_the_view(gallery):
    count = gallery.locator(".cnn-panel input[type=range]").count()
    moved = 0
    for i in range(count):
        slider = gallery.locator(".cnn-panel input[type=range]").nth(i)
        if not slider.is_visible() or slider.is_disabled():
            continue
        panel = slider.locator("xpath=ancestor::div[contains(@class,'cnn-panel')][1]")
        before = panel.evaluate(SNAPSHOT_JS)
        value, low, top = slider.evaluate("e => [+e.value, +e.min, +e.max]")
        if low == top:  # e.g. the playground's step when the output is a single cell
            continue
        slider.focus()
        gallery.keyboard.press("ArrowLeft" if value >= top else "ArrowRight")
        assert slider.evaluate("e => +e.value") != value
        assert panel.evaluate(SNAPSHOT_JS) != before, slider.evaluate("e => e.outerHTML")
        moved += 1
    assert moved >= 30


def test_keys_pressed_in_a_panel_stay_in_the_panel(gallery):
    """JupyterLab reads notebook shortcuts from keydown events that reach the
    document; the panels keep theirs (and carry ``data-lm-suppress-shortcuts``)."""
    gallery.evaluate(
        "() => { window.seenKeys = []; document.addEventListener('keydown',"
        " e => window.seenKeys.push(e.key)); }"
    )
    for selector in (".cnn-panel input[type=range]", ".cnn-draw canvas", ".cnn-playground input"):
        gallery.locator(selector).first.focus()
        gallery.keyboard.press("ArrowLeft")
    assert gallery.evaluate("window.seenKeys") == []
    flags = gallery.eval_on_selector_all(
        ".cnn-panel", "els => els.map(e => e.dataset.lmSuppressShortcuts)"
    )
    assert set(flags) == {"true"}


def test_heat_map_numbers_pass_aa_contrast_as_sliders_move(gallery):
    worst = []
    for i in range(panels(gallery).count()):
        panel = panels(gallery).nth(i)
        for j in range(panel.locator("input[type=range]").count()):
            slider = panel.locator("input[type=range]").nth(j)
            if not slider.is_visible():
                continue
            slider.focus()
            for _ in range(3):
                gallery.keyboard.press("ArrowRight")
                worst += panel.evaluate(CONTRAST_JS)
    assert len(worst) > 100
    assert min(worst) >= 4.5


def panel_titled(page, title):
    return page.locator(".cnn-panel", has=page.locator(f".cnn-title:text-is('{title}')"))


def set_range(panel, label, value):
    slider = panel.get_by_label(label, exact=True)
    slider.evaluate(
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }", value
    )
    return slider


def test_backprop_hides_the_controls_a_topic_does_not_use(gallery):
    panel = panel_titled(gallery, "Backpropagation explorer")
    cell_controls = ["kernel w", "selected cell of"]
    set_range(panel, "topic", 0)  # convolution
    assert all(panel.get_by_label(name, exact=True).is_visible() for name in cell_controls)
    for topic in (1, 2, 3):  # pooling, dropout, softmax
        set_range(panel, "topic", topic)
        assert not any(panel.get_by_label(n, exact=True).is_visible() for n in cell_controls)
    set_range(panel, "topic", 0)


def test_the_position_slider_fits_the_number_of_positions(gallery):
    panel = panel_titled(gallery, "Convolution arithmetic: output size and receptive field")
    set_range(panel, "input size H = W", 0)  # H = 4
    set_range(panel, "kernel size k", 1)  # k = 3
    set_range(panel, "padding p", 0)
    set_range(panel, "stride s", 0)  # 2 x 2 outputs: positions 0..3
    position = set_range(panel, "kernel position", 63)
    assert position.evaluate("e => [+e.max, +e.value]") == [3, 3]
    assert "position 3:" in panel.inner_text()


def test_the_kernel_table_shows_the_chosen_preset(gallery):
    panel = panel_titled(gallery, "Kernel explorer: input x \u22c6 kernel w = feature map")
    presets = {
        "Sobel x": ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"],
        "sharpen": ["0", "-1", "0", "-1", "5", "-1", "0", "-1", "0"],
        "Laplacian": ["0", "1", "0", "1", "-4", "1", "0", "1", "0"],
    }
    names = list(widgets.KERNELS)
    for name, weights in presets.items():
        kernel = set_range(panel, "kernel w", names.index(name))
        assert kernel.evaluate("e => e.getAttribute('aria-valuetext')") == name
        assert panel.locator("output").nth(1).inner_text() == name
        assert panel.locator("table.cnn-heat td").all_inner_texts() == weights


def test_fit_with_a_monitor_leaves_only_the_monitor(gallery):
    """The training cell's output is the monitor's panel: no progress-bar text."""
    cell = gallery.locator(".cell", has=gallery.locator("text=callbacks=[monitor")).first
    output = cell.locator(".cell_output")
    text = output.inner_text().strip()
    monitor = output.locator(".cnn-panel").inner_text().strip()
    assert text == monitor and text.startswith("Training history")


def test_axe_finds_no_serious_violation_in_the_explorers(gallery):
    axe = axe_path()
    if axe is None:
        pytest.skip("axe.min.js not found: set AXE_JS or vendor axe-core")
    gallery.add_script_tag(path=str(axe))
    for topic in (0, 2):  # audit again with other frames shown
        set_range(panel_titled(gallery, "Backpropagation explorer"), "topic", topic)
        found = gallery.evaluate(
            """async () => (await axe.run({include: [['.cnn-panel']]},
                 {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))
                 .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
        )
        assert found == []
