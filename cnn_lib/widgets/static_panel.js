/* cnn_lib static panel: swap precomputed views when a range input moves.
 *
 * The panel's JSON (written by cnn_lib/widgets/static.py) holds
 *   controls: [{labels: [...], value: i}]   one per range input
 *   views:    [{deps: [control indices], items: [string numbers]}]
 *   strings:  the distinct HTML of all views
 *   rules:    [{kind: "max" | "hide", deps: [control indices], items: [...]}]
 *             slider ranges and hidden controls that depend on other settings
 * A view's item for the current slider positions is found by reading its
 * controls as the digits of a mixed-radix number (last control fastest).
 * No network, no libraries: this file is inlined into every panel.
 */
(function () {
  "use strict";

  function setUp(panel) {
    if (panel.dataset.cnnReady) return;
    panel.dataset.cnnReady = "1";
    var data = JSON.parse(panel.querySelector("script.cnn-data").textContent);
    var inputs = panel.querySelectorAll(".cnn-control input");
    var outputs = panel.querySelectorAll(".cnn-control output");
    var slots = {};
    panel.querySelectorAll("[data-view]").forEach(function (el) {
      slots[el.dataset.view] = el;
    });

    // Keys pressed in the panel are the panel's: JupyterLab must not take them
    // as notebook shortcuts (arrow keys would move between cells).
    panel.addEventListener("keydown", function (e) { e.stopPropagation(); });

    function itemOf(view, state) {
      var k = 0;
      view.deps.forEach(function (d) {
        k = k * data.controls[d].labels.length + state[d];
      });
      return view.items[k];
    }

    var start = data.controls.map(function (c) { return c.value; });
    var shown = data.views.map(function (view) { return itemOf(view, start); });

    function readState() {
      return Array.prototype.map.call(inputs, function (el) { return +el.value; });
    }

    // Ranges and visibility that depend on other settings (rule deps never
    // include the controls the rule changes, so one pass is enough).
    function applyRules(state) {
      inputs.forEach(function (el) { el.closest(".cnn-control").hidden = false; });
      (data.rules || []).forEach(function (rule) {
        var item = itemOf(rule, state);
        if (rule.kind === "hide") {
          item.forEach(function (i) { inputs[i].closest(".cnn-control").hidden = true; });
          return;
        }
        Object.keys(item).forEach(function (i) {
          inputs[i].max = item[i];
          if (+inputs[i].value > item[i]) inputs[i].value = item[i];
        });
      });
      return readState();
    }

    function update() {
      var t0 = performance.now();
      var state = applyRules(readState());
      data.controls.forEach(function (c, i) {
        outputs[i].textContent = c.labels[state[i]];
        inputs[i].setAttribute("aria-valuetext", c.labels[state[i]]);
      });
      data.views.forEach(function (view, v) {
        var item = itemOf(view, state);
        if (item !== shown[v]) {  // only touch the views that changed
          slots[v].innerHTML = data.strings[item];
          shown[v] = item;
        }
      });
      panel.dataset.updateMs = (performance.now() - t0).toFixed(2);
    }

    inputs.forEach(function (el) { el.addEventListener("input", update); });
    update();
  }

  var me = document.currentScript;
  var panel = me && me.closest(".cnn-panel");
  if (panel) {
    setUp(panel);
  } else {  // inserted by a script loader: set up every panel not yet ready
    document.querySelectorAll(".cnn-panel").forEach(setUp);
  }
})();
