"""The built book says what it shows (issue 13, item 7; issue 16, item 7).

Each page of the built book is opened once at a 1280 px wide window, and:

- no code cell or output scrolls horizontally (``scrollWidth > clientWidth``);
- exercises, equations and figures on chapter N are numbered "N.1", "N.2", ...;
  references to them name the number of the chapter they point into, and the
  prose has no hand-typed "Exercise 26" or doubled "exercise Exercise";
- no raw MyST markup (``{eq}`...```, ``:::{``, `````{``) is visible;
- every slider of every static explorer panel reads the label of its position,
  and each step changes what the panel shows;
- each chapter page links to its ``.ipynb``, and the linked file is in the build.

Chapter numbers come from ``_toc.yml``: the chapters of the numbered parts, in order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

TOL = 1  # px: sub-pixel rounding


def chapter_numbers() -> dict[str, int]:
    """Page path in the build (``book/03_convolution.html``) -> chapter number."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    numbers, n = {}, 0
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for chapter in part.get("chapters", []):
            n += 1
            numbers[chapter["file"] + ".html"] = n
    return numbers


CHAPTERS = chapter_numbers()


def _relative(path: Path, root: Path) -> str:
    """``book/03_convolution.html`` for a page of the built book at ``root``."""
    return path.resolve().relative_to(root.resolve()).as_posix()


# --- no horizontal scrolling -------------------------------------------------------------

SCROLLERS_JS = """() => {
  const sel = ['div.highlight pre', '.cell_output', '.cell_output *', 'div.output',
               'div.output *'].join(', ');
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.clientWidth || el.closest('mjx-container')) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'hidden' || style.overflowX === 'clip') continue;
    if (el.scrollWidth > el.clientWidth + TOL) {
      // report the innermost wide element only
      const inner = Array.from(el.children).some(c => c.scrollWidth > el.clientWidth + TOL);
      if (inner && !el.matches('pre')) continue;
      const cell = el.closest('.cell');
      const cells = Array.from(document.querySelectorAll('.cell'));
      out.push({where: cell ? 'cell ' + (cells.indexOf(cell) + 1) : el.tagName.toLowerCase(),
                kind: (el.closest('details:not([open])') ? 'hidden ' : '')
                      + (el.closest('.cell_output, div.output') ? 'output' : 'code'),
                over: el.scrollWidth - el.clientWidth,
                text: el.textContent.trim().split('\\n')[0].slice(0, 70)});
    }
  }
  return out;
}""".replace("TOL", str(TOL))


def test_no_horizontal_scrolling(visit, book_html):
    path, page = visit
    wide = page.evaluate(SCROLLERS_JS)
    cells = sorted({w["where"] for w in wide})
    lines = [f"{w['where']} {w['kind']} (+{w['over']} px): {w['text']!r}" for w in wide[:30]]
    where = _relative(path, book_html)
    assert not wide, (
        f"{where}: {len(wide)} code blocks/outputs scroll horizontally at 1280 px "
        f"in {len(cells)} cells:\n" + "\n".join(lines)
    )


# --- per-chapter numbers -----------------------------------------------------------------

NUMBERS_JS = """() => {
  const text = el => el.textContent.replace(/\\s+/g, ' ').trim();
  const defs = [];
  for (const el of document.querySelectorAll('article .caption-number'))
    defs.push(text(el));
  for (const el of document.querySelectorAll('article div.math .eqno'))
    defs.push(text(el).replace(/[^\\w().]/g, ''));
  for (const el of document.querySelectorAll('article .exercise .admonition-title'))
    defs.push(text(el));
  const refs = [];
  for (const a of document.querySelectorAll('article a.reference.internal')) {
    const href = a.getAttribute('href') || '';
    if (href.includes('#equation-') || a.querySelector('.std-numref'))
      refs.push({href, text: text(a)});
  }
  const prose = Array.from(document.querySelectorAll('article p, article li, article td'))
    .filter(el => !el.closest('pre, .cell_output'))
    .map(el => text(el));
  return {defs, refs, prose};
}"""

NUMBER = re.compile(r"\d+(?:\.\d+)*")
# a hand-typed number: "Exercise 26", "equation (33)", "Figure 4" (no chapter part)
HAND_TYPED = re.compile(
    r"\b(?:exercises?|equations?|eqs?\.|figures?|figs?\.|tables?)\s+\(?(\d+)(?!\.\d)\b",
    re.IGNORECASE,
)
DOUBLED = re.compile(
    r"\b(exercise|equation|figure|table)s?\s+(exercise|equation|figure|table)\b", re.IGNORECASE
)


def _target_chapter(page_path: Path, href: str, root: Path) -> int | None:
    url = urlparse(urljoin(page_path.as_uri(), href))
    return CHAPTERS.get(_relative(Path(unquote(url.path)), root))


def test_numbers_are_per_chapter(visit, book_html):
    path, page = visit
    chapter = CHAPTERS.get(_relative(path, book_html))
    found = page.evaluate(NUMBERS_JS)
    problems = []
    if chapter is not None:
        for label in found["defs"]:
            numbers = NUMBER.findall(label)
            if not numbers or not re.fullmatch(rf"{chapter}\.\d+", numbers[0]):
                problems.append(f"numbered {label!r}, expected '{chapter}.<n>'")
    for ref in found["refs"]:
        target = _target_chapter(path, ref["href"], book_html)
        numbers = NUMBER.findall(ref["text"])
        if target is not None and (not numbers or not re.fullmatch(rf"{target}\.\d+", numbers[0])):
            problems.append(f"reference {ref['text']!r} to {ref['href']} (chapter {target})")
    for text in found["prose"]:
        for m in HAND_TYPED.finditer(text):
            problems.append(f"hand-typed number {m.group(0)!r} in: {text[:90]!r}")
        for m in DOUBLED.finditer(text):
            problems.append(f"doubled word {m.group(0)!r} in: {text[:90]!r}")
    where = f"{_relative(path, book_html)} (chapter {chapter})"
    assert not problems, f"{where}:\n" + "\n".join(problems[:40])


# --- no raw MyST -------------------------------------------------------------------------

RAW_MYST = re.compile(r"\{[a-z][\w:.-]*\}`|:::\s*\{|```\s*\{|^\s*\([\w-]+\)=\s*$", re.MULTILINE)

VISIBLE_TEXT_JS = """() => {
  const root = document.querySelector('article') || document.body;
  const copy = root.cloneNode(true);
  copy.querySelectorAll('script, style, pre').forEach(e => e.remove());
  return copy.textContent;
}"""


def test_no_raw_myst_markup(visit, book_html):
    path, page = visit
    text = page.evaluate(VISIBLE_TEXT_JS)
    hits = []
    for m in RAW_MYST.finditer(text):
        start = max(0, m.start() - 40)
        hits.append(" ".join(text[start : m.end() + 40].split()))
    where = _relative(path, book_html)
    assert not hits, f"{where}: raw MyST markup in the page:\n" + "\n".join(hits[:30])


# --- static explorer sliders: the label names the position, each step changes the view -----

WALK_JS = """async (el) => {
  const panel = el.closest('.cnn-panel');
  const output = el.parentElement.querySelector('output');
  const views = () => Array.from(panel.querySelectorAll('[data-view]')).map(v => v.innerHTML)
    .join('\\u0000');
  const start = el.value, steps = [];
  for (let v = Number(el.min); v <= Number(el.max); v++) {
    el.value = String(v);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    steps.push({value: Number(el.value), label: output.textContent, view: views()});
  }
  el.value = start;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  return steps;
}"""


def test_static_slider_labels_match_the_view(visit, book_html):
    path, page = visit
    panels = page.locator(".cnn-panel")
    problems = []
    for p in range(panels.count()):
        panel = panels.nth(p)
        data = json.loads(panel.locator("script.cnn-data").first.text_content())
        if "controls" not in data:  # a panel with its own script (draw, playground)
            continue
        title = panel.locator(".cnn-title").text_content()
        sliders = panel.locator("input[type=range]")
        assert sliders.count() == len(data["controls"]), f"{title}: sliders and data disagree"
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            name = slider.get_attribute("aria-label")
            labels = data["controls"][i]["labels"]
            steps = slider.evaluate(WALK_JS)
            where = f"{title!r}, slider {name!r}"
            # A `max` rule (e.g. kernel positions that depend on the sizes) may stop the
            # slider before its last value: then it reads the first len(steps) labels.
            limited = any(
                rule["kind"] == "max" and any(str(i) in item for item in rule["items"])
                for rule in data.get("rules", [])
            )
            fits = 0 < len(steps) <= len(labels) if limited else len(steps) == len(labels)
            if not fits:
                problems.append(f"{where}: {len(steps)} positions for {len(labels)} values")
            if len(set(labels)) != len(labels):
                problems.append(f"{where}: repeated labels {labels}")
            for step, label in zip(steps, labels, strict=False):
                if step["label"] != label:
                    problems.append(f"{where}: at {step['value']} reads {step['label']!r}")
            for a, b in zip(steps, steps[1:], strict=False):
                if a["view"] == b["view"]:
                    problems.append(
                        f"{where}: {a['label']!r} -> {b['label']!r} changes the label, not the view"
                    )
    assert not problems, f"{_relative(path, book_html)}:\n" + "\n".join(problems[:40])


# --- download the chapter's notebook ---------------------------------------------------------

DOWNLOADS_JS = """() => Array.from(document.querySelectorAll('a[href$=".ipynb"]'))
  .map(a => ({href: a.getAttribute('href'), download: a.hasAttribute('download'),
              visible: !!(a.offsetWidth || a.offsetHeight || a.getClientRects().length),
              name: (a.getAttribute('aria-label') || a.textContent || a.title || '').trim()}))"""


def test_chapter_links_its_notebook(visit, book_html):
    path, page = visit
    source = ROOT / Path(_relative(path, book_html)).with_suffix(".ipynb")
    if not source.is_file():
        pytest.skip("not a notebook page")
    links = page.evaluate(DOWNLOADS_JS)
    mine = [
        link
        for link in links
        if Path(unquote(urlparse(link["href"]).path)).name == source.name and link["name"]
    ]
    assert mine, f"{_relative(path, book_html)}: no named link to {source.name} (found {links})"
    for link in mine:
        target = Path(unquote(urlparse(urljoin(path.as_uri(), link["href"])).path))
        assert target.is_file(), f"{_relative(path, book_html)}: {link['href']} is not in the build"
        notebook = json.loads(target.read_text(encoding="utf-8"))
        assert notebook["cells"], f"{target} is an empty notebook"
