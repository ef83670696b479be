"""The in-browser panels compute what cnn_lib computes (real chromium, no network).

A tiny page with a convolution playground and a draw-and-convolve panel is
written to ``tmp_path`` and opened from ``file://``. The sliders are driven as
a reader's drag drives them (set the value, fire ``input``), and what the page
shows is compared with cnn_lib and scipy.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy import signal

from cnn_lib.functional.correlate import convolve2d, correlate2d
from cnn_lib.functional.padding import conv_output_size
from cnn_lib.widgets import conv_playground, draw_and_convolve
from cnn_lib.widgets.draw import KERNELS
from cnn_lib.widgets.playground import INPUT, KERNEL

pytestmark = pytest.mark.browser

# Set the playground's sliders (and the flip box), fire the events; return what it shows.
SHOW_JS = """([panel, settings]) => {
  const root = document.getElementById(panel);
  for (const [name, value] of Object.entries(settings)) {
    if (name === 'flip') { root.querySelector('input[data-flip]').checked = value; continue; }
    const el = root.querySelector(`input[data-control="${name}"]`);
    el.value = value;
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  if ('flip' in settings) {
    root.querySelector('input[data-flip]').dispatchEvent(new Event('input', {bubbles: true}));
  }
  const f = root.querySelector('[data-view=formula]');
  const tables = root.querySelectorAll('[data-view=grids] table');
  const cells = (t) => Array.from(t.rows).map(r => Array.from(r.cells).map(c => +c.textContent));
  const marked = (t) => Array.from(t.querySelectorAll('td.cnn-hl')).map(
      td => [td.parentElement.rowIndex, td.cellIndex]);
  return {
    size: f.dataset.outH ? [+f.dataset.outH, +f.dataset.outW] : null,
    formula: f.textContent,
    error: (root.querySelector('.cnn-error') || {}).textContent || null,
    output: tables.length ? cells(tables[2]) : null,
    window: tables.length ? marked(tables[0]) : null,
    step: root.querySelector('input[data-control=step]').parentElement.textContent,
  };
}"""
ZERO = {"top": 0, "bottom": 0, "left": 0, "right": 0, "stride": 1, "dilation": 1, "flip": False}


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    play, drawn = conv_playground(), draw_and_convolve()
    path = tmp_path_factory.mktemp("playground") / "panels.html"
    path.write_text(
        f"<!doctype html><html><body>{play.to_html()}{drawn.to_html()}</body></html>",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    network, errors = [], []
    context.route("http*://**/*", lambda route: (network.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.errors, page.network = errors, network
    page.play = page.eval_on_selector(".cnn-playground", "e => e.id")
    page.draw = page.eval_on_selector(".cnn-draw", "e => e.id")
    yield page
    assert not errors, f"console errors: {errors}"
    assert not network, f"network requests: {network}"
    context.close()


def show(page, **settings):
    return page.evaluate(SHOW_JS, [page.play, settings])


def data_of(page, panel_id):
    return json.loads(page.eval_on_selector(f"#{panel_id} script.cnn-data", "e => e.textContent"))


GRID = [  # (n, k, top, bottom, left, right, stride, dilation)
    (n, k, pt, pb, pl, pr, s, d)
    for n, k, s, d in itertools.product((1, 4, 7, 9), (1, 2, 3, 5), (1, 2, 3), (1, 2, 3))
    for pt, pb, pl, pr in ((0, 0, 0, 0), (1, 2, 0, 3), (4, 4, 1, 1))
]


def test_output_size_matches_conv_output_size(page):
    shown_errors = 0
    for n, k, pt, pb, pl, pr, s, d in GRID:
        got = show(page, n=n, k=k, top=pt, bottom=pb, left=pl, right=pr, stride=s, dilation=d)
        try:
            expected = [
                conv_output_size(n + pt + pb, k, s, 0, d),
                conv_output_size(n + pl + pr, k, s, 0, d),
            ]
        except ValueError:  # the window does not fit: the panel must say so
            assert got["size"] is None and "larger than the padded input" in got["error"]
            shown_errors += 1
            continue
        assert got["error"] is None
        assert got["size"] == expected, (n, k, pt, pb, pl, pr, s, d)
        assert f"= {expected[0]}" in got["formula"] and f"= {expected[1]}" in got["formula"]
        assert f"floor(({n} + {pt} + {pb} " in got["formula"]
    assert 0 < shown_errors < len(GRID)


def test_output_numbers_match_cnn_lib(page):
    data = data_of(page, page.play)
    for check in data["checks"]:
        got = show(page, **check["settings"])
        assert got["size"] == check["size"]
        assert got["output"] == check["output"], check["settings"]


def dilated(w, d):
    """The kernel with d - 1 zeros between its taps: what dilation d slides over the input."""
    k = w.shape[0]
    out = np.zeros((d * (k - 1) + 1,) * 2)
    out[::d, ::d] = w
    return out


@pytest.mark.parametrize("flip", [False, True], ids=["correlation", "convolution"])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_every_preset_equals_cnn_lib_and_scipy(page, mode, flip):
    """Each mode x flip x odd/even kernel (and dilation) equals correlate2d / convolve2d."""
    library = convolve2d if flip else correlate2d
    scipy_op = signal.convolve2d if flip else signal.correlate2d
    for n, k, d in itertools.product((5, 8), (1, 2, 3, 4, 5), (1, 2)):
        show(page, **(ZERO | dict(n=n, k=k, dilation=d, flip=flip)))
        page.click(f"#{page.play} button[data-preset={mode}]")
        got = show(page)
        x, w = INPUT[:n, :n].astype(float), KERNEL[:k, :k].astype(float)
        span = d * (k - 1) + 1
        if mode == "valid" and span > n:
            assert got["output"] is None and "larger than the padded input" in got["error"]
            continue
        expected = scipy_op(x, dilated(w, d), mode=mode)
        assert got["output"] == expected.astype(int).tolist(), (mode, flip, n, k, d)
        if d == 1:
            np.testing.assert_array_equal(library(x, w, mode), expected)


def test_a_preset_follows_the_flip_and_the_kernel_size(page):
    """Toggling the flip (or changing k) after "same" keeps the convolve2d "same" result."""
    show(page, **(ZERO | dict(n=6, k=4, flip=False)))
    page.click(f"#{page.play} button[data-preset=same]")
    x = INPUT[:6, :6].astype(float)
    got = show(page)
    assert got["output"] == correlate2d(x, KERNEL[:4, :4], "same").astype(int).tolist()
    page.click(f"#{page.play} input[data-flip]")  # a reader's click on the checkbox
    got = show(page)  # reads the page, fires nothing
    assert got["output"] == convolve2d(x, KERNEL[:4, :4], "same").astype(int).tolist()
    got = show(page, k=2, flip=True)
    assert got["output"] == convolve2d(x, KERNEL[:2, :2], "same").astype(int).tolist()
    assert page.eval_on_selector(f"#{page.play}", "e => e.dataset.preset") == "same"
    got = show(page, top=0)  # padding set by hand: the preset is off
    assert page.eval_on_selector(f"#{page.play}", "e => e.dataset.preset") == ""


def test_the_stride_slider_starts_at_one(page):
    low = page.eval_on_selector(f"#{page.play} input[data-control=stride]", "e => +e.min")
    assert low == 1


def test_invalid_settings_show_a_message(page):
    got = show(page, **(ZERO | dict(n=2, k=5)))
    assert got["output"] is None and "larger than the padded input (2 x 2)" in got["error"]
    got = show(
        page, **(ZERO | dict(n=2, k=5, top=2, bottom=1, left=3, right=1))
    )  # padding makes it fit
    assert got["error"] is None and got["size"] == [1, 2]


@pytest.mark.parametrize("preset", ["valid", "same", "full"])
def test_presets(page, preset):
    show(page, **(ZERO | dict(n=6, k=3, dilation=2)))
    page.click(f"#{page.play} button[data-preset={preset}]")
    got = show(page)
    expected = {"valid": 6 - 4, "same": 6, "full": 6 + 4}[preset]
    assert got["size"] == [expected, expected]


def test_step_scrubber_moves_the_receptive_field(page):
    got = show(page, **(ZERO | dict(n=7, k=2, stride=2, dilation=2, step=0)))
    assert got["size"] == [3, 3] and "1 / 9" in got["step"]
    assert sorted(got["window"]) == [[0, 0], [0, 2], [2, 0], [2, 2]]
    for _ in range(4):  # forwards to output cell (1, 1): rows/cols start at 1*stride = 2
        page.click(f"#{page.play} button[data-move='1']")
    got = show(page)
    assert "5 / 9" in got["step"]
    assert sorted(got["window"]) == [[2, 2], [2, 4], [4, 2], [4, 4]]
    page.click(f"#{page.play} button[data-move='-1']")  # and back to (1, 0)
    got = show(page)
    assert sorted(got["window"]) == [[2, 0], [2, 2], [4, 0], [4, 2]]


def test_js_correlate2d_equals_python(page):
    data = data_of(page, page.draw)
    images = data["images"]
    rng = np.random.default_rng(0)
    kernels = [*KERNELS.values(), rng.normal(size=(3, 3)).round(3).tolist()]
    for kernel, mode in itertools.product(kernels, ("valid", "same", "full")):
        js = page.evaluate(
            "([xs, k, mode]) => xs.map(x => window.cnnLib.correlate2d(x, k, mode))",
            [images, kernel, mode],
        )
        for image, got in zip(images, js, strict=True):
            expected = signal.correlate2d(np.array(image), np.array(kernel, float), mode=mode)
            assert np.max(np.abs(np.array(got) - expected)) < 1e-5
    # and what the page exported from cnn_lib for the default kernel
    default = np.array(KERNELS[data["defaultKernel"]], dtype=float)
    for mode, maps in data["reference"].items():
        for image, expected in zip(images, maps, strict=True):
            got = page.evaluate(
                "([x, k, mode]) => window.cnnLib.correlate2d(x, k, mode)",
                [image, default.tolist(), mode],
            )
            assert np.max(np.abs(np.array(got) - np.array(expected))) < 1e-5
            np.testing.assert_allclose(
                expected, correlate2d(np.array(image), default, mode), atol=1e-6
            )


def feature_state(page):
    return page.eval_on_selector(
        f"#{page.draw}",
        """root => [root.querySelector('canvas[data-feature]').toDataURL(),
                    root.querySelector('[data-view=feature] figcaption').textContent,
                    root.querySelector('[data-view=input] figcaption').textContent]""",
    )


def test_drawing_changes_the_feature_map(page):
    page.click(f"#{page.draw} button[data-clear]")
    blank = feature_state(page)
    assert "values 0.00 to 0.00" in blank[1]
    box = page.locator(f"#{page.draw} canvas[data-draw]").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8, steps=12)
    page.mouse.up()
    drawn = feature_state(page)
    assert drawn[0] != blank[0] and drawn[1] != blank[1]
    assert drawn[2] == "input: your drawing"
    # a vertical stroke under Sobel x: positive on one side, negative on the other
    lo, hi = (float(v) for v in drawn[1].split("values ")[1].split(";")[0].split(" to "))
    assert lo < 0 < hi


def test_kernel_presets_and_mode_change_the_map(page):
    page.evaluate(
        """id => { const r = document.getElementById(id);
                   const s = r.querySelector('input[data-control=sample]');
                   s.value = 1; s.dispatchEvent(new Event('input')); }""",
        page.draw,
    )
    before = feature_state(page)
    page.click(f"#{page.draw} button[data-kernel='blur']")
    blurred = feature_state(page)
    assert blurred[0] != before[0]
    weights = page.eval_on_selector_all(
        f"#{page.draw} input[data-weight]", "els => els.map(e => +e.value)"
    )
    assert weights == np.ravel(KERNELS["blur"]).tolist()
    page.select_option(f"#{page.draw} select[data-mode]", "same")
    assert "(same, 28 x 28)" in feature_state(page)[1]


def test_drawing_with_the_keyboard_alone(page):
    page.click(f"#{page.draw} button[data-clear]")
    assert "values 0.00 to 0.00" in feature_state(page)[1]
    canvas = page.locator(f"#{page.draw} canvas[data-draw]")
    canvas.focus()
    assert "arrow keys move the brush" in canvas.get_attribute("aria-label")
    for key in ("ArrowDown", "ArrowDown", "Space", "ArrowRight", "Space"):
        page.keyboard.press(key)
    drawn = feature_state(page)
    assert "values 0.00 to 0.00" not in drawn[1] and drawn[2] == "input: your drawing"
