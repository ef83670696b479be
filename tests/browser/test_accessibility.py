"""Accessibility audit of every page of the built book (issue 16, item 6).

axe-core (vendored in ``vendor/axe-core``, MPL-2.0; regenerate it with
``scripts/vendor_axe.sh``) runs inside each page with the WCAG 2.0/2.1 A and AA
rules. A page passes with zero serious or critical violations, both as it loads
and, for the explorers, after every slider has moved to the other end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

RUN_AXE_JS = """async ([selector, tags]) => {
  const context = selector ? {include: Array.from(document.querySelectorAll(selector))} : document;
  const result = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                         resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 100),
                              impact: n.impact,
                              why: (n.failureSummary || '').split('\\n').slice(1, 2).join('')
                                     .trim().slice(0, 160)}))}));
}"""

# every slider of every explorer panel to the other end of its range
MOVE_ALL_JS = """() => {
  for (const el of document.querySelectorAll('.cnn-panel input[type=range]')) {
    el.value = el.value === el.max ? el.min : el.max;
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
}"""


def _audit(page, selector=None) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE_JS, [selector, TAGS])
    lines = []
    for v in found:
        nodes = [n for n in v["nodes"] if (n["impact"] or v["impact"]) in BLOCKING]
        if nodes:
            first = "; ".join(f"{n['target']} {n['html']!r} ({n['why']})" for n in nodes[:3])
            lines.append(f"{v['impact']} {v['id']} ({len(nodes)} nodes: {v['help']}): {first}")
    return lines


def test_vendored_axe_has_its_licence():
    assert AXE.is_file(), "axe.min.js missing: run scripts/vendor_axe.sh"
    licence = (AXE.parent / "LICENSE").read_text(encoding="utf-8")
    assert "Mozilla Public License" in licence


def test_page_has_no_serious_violations(visit, book_html):
    path, page = visit
    problems = _audit(page)
    where = path.relative_to(book_html).as_posix()
    assert not problems, f"{where}: axe-core WCAG 2.1 A/AA:\n" + "\n".join(problems)


def test_explorers_after_moving_have_no_serious_violations(visit, book_html):
    path, page = visit
    if page.locator(".cnn-panel").count() == 0:
        pytest.skip("no explorer on this page")
    page.evaluate(MOVE_ALL_JS)
    page.wait_for_timeout(100)
    problems = _audit(page, ".cnn-panel")
    where = path.relative_to(book_html).as_posix()
    assert not problems, f"{where}: explorers after moving, axe-core:\n" + "\n".join(problems)
