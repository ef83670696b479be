/* Accessibility fixes for markup that the theme's extensions generate (axe-core, WCAG 2.1).
 *
 * myst-nb labels the <summary> of every hidden code cell "Toggle hidden content",
 * while it shows "Show code cell source": a speech-input user who says what they
 * see cannot press it (WCAG 2.5.3 Label in Name). Without the aria-label the
 * summary is named by its visible text.
 *
 * docutils writes the bibliography as <div role="list"> whose entries carry the
 * deprecated role "doc-biblioentry", which is not a list item (ARIA: a list must
 * own list items). The entries become plain list items.
 *
 * Runs once the page is parsed; it only touches attributes, so running twice is safe.
 */
(function () {
  "use strict";
  function fix() {
    document
      .querySelectorAll('summary[aria-label="Toggle hidden content"]')
      .forEach(function (el) {
        el.removeAttribute("aria-label");
      });
    document
      .querySelectorAll('[role="list"] > [role="doc-biblioentry"]')
      .forEach(function (el) {
        el.setAttribute("role", "listitem");
      });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();
