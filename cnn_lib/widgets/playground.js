/* cnn_lib convolution playground: the arithmetic computed live in the browser.
 *
 * The panel's JSON (written by cnn_lib/widgets/playground.py) holds the small
 * integer input and kernel (their top-left corners are used) and the start
 * settings. Every slider move recomputes the padded input, the output and the
 * output-size formula here, with plain loops that read like the formula:
 *   y[r][c] = sum_ij x_pad[r*s + i*d][c*s + j*d] * w[i][j]
 * No network, no libraries: this file is inlined into every panel.
 */
(function () {
  "use strict";
  var NAMES = ["n", "k", "top", "bottom", "left", "right", "stride", "dilation"];

  // Output length along one axis: floor((n + p_before + p_after - d*(k-1) - 1)/s) + 1.
  function outSize(n, pBefore, pAfter, k, s, d) {
    return Math.floor((n + pBefore + pAfter - d * (k - 1) - 1) / s) + 1;
  }

  // The whole computation for settings `v`: padded input, kernel as applied, output.
  function compute(data, v) {
    var k = v.k, s = v.stride, d = v.dilation, span = d * (k - 1) + 1;
    var ph = v.n + v.top + v.bottom, pw = v.n + v.left + v.right;
    if (s < 1) return {error: "stride must be at least 1, got " + s + "."};
    if (span > ph || span > pw) {
      return {error: "The kernel (size " + k + ", dilation " + d + ", so it spans " + span +
        " cells) is larger than the padded input (" + ph + " x " + pw +
        "): make the kernel or the dilation smaller, or pad more."};
    }
    var x = [], w = [], y = [], r, c, i, j;
    for (r = 0; r < ph; r++) {
      x.push([]);
      for (c = 0; c < pw; c++) {
        var inside = r >= v.top && r < v.top + v.n && c >= v.left && c < v.left + v.n;
        x[r].push(inside ? data.input[r - v.top][c - v.left] : 0);
      }
    }
    for (i = 0; i < k; i++) {  // true convolution = correlation with the flipped kernel
      w.push([]);
      for (j = 0; j < k; j++) w[i].push(v.flip ? data.kernel[k - 1 - i][k - 1 - j] : data.kernel[i][j]);
    }
    var oh = outSize(v.n, v.top, v.bottom, k, s, d), ow = outSize(v.n, v.left, v.right, k, s, d);
    for (r = 0; r < oh; r++) {
      y.push([]);
      for (c = 0; c < ow; c++) {
        var total = 0;
        for (i = 0; i < k; i++) for (j = 0; j < k; j++) total += x[r * s + i * d][c * s + j * d] * w[i][j];
        y[r].push(total);
      }
    }
    return {x: x, w: w, y: y, oh: oh, ow: ow};
  }

  function grid(values, title, mark, padTest) {
    var rows = values.map(function (row, r) {
      return "<tr>" + row.map(function (value, c) {
        var cls = (mark(r, c) ? "cnn-hl " : "") + (padTest && padTest(r, c) ? "cnn-pad" : "");
        return '<td class="' + cls + '">' + value + "</td>";
      }).join("") + "</tr>";
    }).join("");
    return '<figure class="cnn-fig"><table class="cnn-grid">' + rows +
      "</table><figcaption>" + title + "</figcaption></figure>";
  }

  function formulaText(v, axis, before, after, size) {
    return axis + "<sub>out</sub> = floor((" + v.n + " + " + before + " + " + after + " &minus; " +
      v.dilation + "&middot;(" + v.k + " &minus; 1) &minus; 1) / " + v.stride + ") + 1 = <b>" +
      size + "</b>";
  }

  function setUp(panel) {
    if (panel.dataset.cnnReady) return;
    panel.dataset.cnnReady = "1";
    var data = JSON.parse(panel.querySelector("script.cnn-data").textContent);
    var inputs = {}, outputs = {};
    panel.querySelectorAll("input[data-control]").forEach(function (el) {
      inputs[el.dataset.control] = el;
      outputs[el.dataset.control] = el.parentElement.querySelector("output");
    });
    var flip = panel.querySelector("input[data-flip]");
    var views = {};
    panel.querySelectorAll("[data-view]").forEach(function (el) { views[el.dataset.view] = el; });

    function settings() {
      var v = {flip: flip.checked};
      NAMES.forEach(function (name) { v[name] = +inputs[name].value; });
      return v;
    }

    function update() {
      var t0 = performance.now();
      var v = settings(), res = compute(data, v), step = inputs.step;
      NAMES.forEach(function (name) { outputs[name].textContent = v[name]; });
      if (res.error) {
        views.formula.innerHTML = "";
        views.grids.innerHTML = '<div class="cnn-note cnn-error">' + res.error + "</div>";
        views.formula.dataset.outH = views.formula.dataset.outW = "";
        step.disabled = true;
        outputs.step.textContent = "none";
      } else {
        step.disabled = false;
        step.max = res.oh * res.ow - 1;
        if (+step.value > +step.max) step.value = step.max;
        var at = +step.value, orow = Math.floor(at / res.ow), ocol = at % res.ow;
        outputs.step.textContent = (at + 1) + " / " + (res.oh * res.ow) + ": (" + orow + ", " + ocol + ")";
        views.formula.dataset.outH = res.oh;
        views.formula.dataset.outW = res.ow;
        views.formula.innerHTML = '<div class="cnn-note">' +
          formulaText(v, "H", v.top, v.bottom, res.oh) + "<br>" +
          formulaText(v, "W", v.left, v.right, res.ow) + "</div>";
        var s = v.stride, d = v.dilation;
        function inWindow(r, c) {  // is (r, c) of the padded input under the current kernel?
          var dr = r - orow * s, dc = c - ocol * s;
          return dr >= 0 && dc >= 0 && dr % d === 0 && dc % d === 0 && dr / d < v.k && dc / d < v.k;
        }
        function isPad(r, c) {
          return r < v.top || r >= v.top + v.n || c < v.left || c >= v.left + v.n;
        }
        views.grids.innerHTML =
          grid(res.x, "input x, padded: " + res.x.length + " \u00d7 " + res.x[0].length +
               " (padding in italics, window in bold)", inWindow, isPad) +
          grid(res.w, v.flip ? "kernel w flipped: true convolution x \u2217 w" :
               "kernel w: cross-correlation x \u22c6 w",
               function () { return false; }) +
          grid(res.y, "output (" + res.oh + " x " + res.ow + ", current cell in bold)",
               function (r, c) { return r === orow && c === ocol; });
      }
      panel.dataset.updateMs = (performance.now() - t0).toFixed(2);
    }

    function set(values) {
      Object.keys(values).forEach(function (name) { inputs[name].value = values[name]; });
      update();
    }

    // Presets pad as scipy.signal and cnn_lib.functional do. "same" pads d*(k-1) in
    // total; for an odd total the extra row/column goes at the bottom/right for
    // cross-correlation and at the top/left for true convolution (scipy centres
    // the result on the full one), so the output equals correlate2d / convolve2d "same".
    var active = null;  // the preset in force until a padding slider moves by hand

    function padding(name, v) {
      var total = v.dilation * (v.k - 1), small = Math.floor(total / 2), big = total - small;
      if (name === "valid") return [0, 0];
      if (name === "full") return [total, total];
      return v.flip ? [big, small] : [small, big];
    }

    function preset(name) {
      var v = settings(), p = padding(name, v);
      var values = {top: p[0], bottom: p[1], left: p[0], right: p[1]};
      if (name === "same") values.stride = 1;  // "same" only keeps the size with stride 1
      active = name;
      panel.querySelectorAll("button[data-preset]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.dataset.preset === name ? "true" : "false");
      });
      panel.dataset.preset = name;
      set(values);
    }

    function changed(e) {
      var name = e.target.dataset.control;
      if (["top", "bottom", "left", "right"].indexOf(name) >= 0 && active) {
        active = null;  // padding set by hand: no preset any more
        panel.dataset.preset = "";
        panel.querySelectorAll("button[data-preset]").forEach(function (b) {
          b.setAttribute("aria-pressed", "false");
        });
      }
      if (active && (name === "k" || name === "dilation" || e.target.dataset.flip !== undefined)) {
        preset(active);  // the preset's padding follows the kernel, dilation and flip
      } else {
        update();
      }
    }

    // Keys pressed in the panel are the panel's: JupyterLab must not take them
    // as notebook shortcuts (arrow keys would move between cells).
    panel.addEventListener("keydown", function (e) { e.stopPropagation(); });
    panel.querySelectorAll("input").forEach(function (el) { el.addEventListener("input", changed); });
    panel.querySelectorAll("button[data-preset]").forEach(function (b) {
      b.addEventListener("click", function () { preset(b.dataset.preset); });
    });
    panel.querySelectorAll("button[data-move]").forEach(function (b) {
      b.addEventListener("click", function () {
        var step = inputs.step;
        step.value = Math.max(0, Math.min(+step.max, +step.value + +b.dataset.move));
        update();
      });
    });
    update();
  }

  window.cnnLib = window.cnnLib || {};
  window.cnnLib.convOutputSize = outSize;
  var me = document.currentScript;
  var panel = me && me.closest(".cnn-playground");
  if (panel) {
    setUp(panel);
  } else {  // inserted by a script loader: set up every panel not yet ready
    document.querySelectorAll(".cnn-playground").forEach(setUp);
  }
})();
