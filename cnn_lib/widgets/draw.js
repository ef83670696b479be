/* cnn_lib "draw and convolve": correlate a drawn or sample image with a 3x3 kernel.
 *
 * The panel's JSON (written by cnn_lib/widgets/draw.py) holds the sample
 * images, their names, the kernel presets, and the Python results for the
 * default kernel (for tests). The feature map is computed here by correlate2d,
 * the same loops as cnn_lib.functional.correlate2d:
 *   y[r][c] = sum_ij x_pad[r + i][c + j] * k[i][j]
 * and drawn with a diverging colour scale centred at zero (blue < 0 < red).
 * No network, no libraries: this file is inlined into every panel.
 */
(function () {
  "use strict";
  var SCALE = 6;  // CSS pixels per image pixel: a 28x28 image is 168 px wide

  // Cross-correlation of nested arrays x (H x W) and k (kH x kW), like scipy.signal.correlate2d.
  // "same" pads k-1 in total, the odd one at the bottom/right; "full" pads k-1 per side.
  function correlate2d(x, k, mode) {
    var H = x.length, W = x[0].length, kh = k.length, kw = k[0].length;
    var top = 0, left = 0, oh = H - kh + 1, ow = W - kw + 1;
    if (mode === "same") { top = Math.floor((kh - 1) / 2); left = Math.floor((kw - 1) / 2); oh = H; ow = W; }
    if (mode === "full") { top = kh - 1; left = kw - 1; oh = H + kh - 1; ow = W + kw - 1; }
    var y = [];
    for (var r = 0; r < oh; r++) {
      var row = [];
      for (var c = 0; c < ow; c++) {
        var total = 0;
        for (var i = 0; i < kh; i++) {
          var xr = r + i - top;
          if (xr < 0 || xr >= H) continue;  // a padded zero adds nothing
          for (var j = 0; j < kw; j++) {
            var xc = c + j - left;
            if (xc >= 0 && xc < W) total += x[xr][xc] * k[i][j];
          }
        }
        row.push(total);
      }
      y.push(row);
    }
    return y;
  }

  // RdBu_r-like diverging colour for t in [-1, 1]: blue, white at 0, red.
  function diverging(t) {
    var a = Math.min(1, Math.abs(t)), end = t < 0 ? [33, 102, 172] : [178, 24, 43];
    return end.map(function (e) { return Math.round(255 + (e - 255) * a); });
  }

  function paint(canvas, values, colour) {
    var h = values.length, w = values[0].length;
    canvas.width = w; canvas.height = h;
    canvas.style.width = SCALE * w + "px"; canvas.style.height = SCALE * h + "px";
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(w, h);
    for (var r = 0; r < h; r++) {
      for (var c = 0; c < w; c++) {
        var rgb = colour(values[r][c]), p = 4 * (r * w + c);
        img.data[p] = rgb[0]; img.data[p + 1] = rgb[1]; img.data[p + 2] = rgb[2]; img.data[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  function setUp(panel) {
    if (panel.dataset.cnnReady) return;
    panel.dataset.cnnReady = "1";
    var data = JSON.parse(panel.querySelector("script.cnn-data").textContent);
    var sample = panel.querySelector("input[data-control=sample]");
    var sampleOut = sample.parentElement.querySelector("output");
    var mode = panel.querySelector("select[data-mode]");
    var weights = panel.querySelectorAll("input[data-weight]");
    var drawing = panel.querySelector("canvas[data-draw]"), feature = panel.querySelector("canvas[data-feature]");
    var inputCap = panel.querySelector("[data-view=input] figcaption");
    var featureCap = panel.querySelector("[data-view=feature] figcaption");
    var image, source, cursor = [14, 14];  // the keyboard brush position (row, column)

    function kernel() {
      var k = [[], [], []];
      weights.forEach(function (el, i) { k[Math.floor(i / 3)].push(+el.value || 0); });
      return k;
    }

    function update() {
      var t0 = performance.now();
      paint(drawing, image, function (v) { var g = Math.round(255 * v); return [g, g, g]; });
      if (document.activeElement === drawing) {  // the keyboard brush: an orange square
        var ctx = drawing.getContext("2d");
        ctx.strokeStyle = "#e66100"; ctx.lineWidth = 0.5;
        ctx.strokeRect(cursor[1] - 1.25, cursor[0] - 1.25, 3.5, 3.5);
      }
      var y = correlate2d(image, kernel(), mode.value), lo = Infinity, hi = -Infinity;
      y.forEach(function (row) { row.forEach(function (v) { lo = Math.min(lo, v); hi = Math.max(hi, v); }); });
      var limit = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
      paint(feature, y, function (v) { return diverging(v / limit); });
      inputCap.textContent = "input: " + source;
      featureCap.textContent = "feature map (" + mode.value + ", " + y.length + " x " + y[0].length +
        "), values " + lo.toFixed(2) + " to " + hi.toFixed(2) + "; blue < 0 < red";
      feature.setAttribute("aria-label", featureCap.textContent);
      drawing.setAttribute("aria-label", "input: " + source + ". Draw with the mouse, or with " +
        "the keyboard: arrow keys move the brush, Space paints.");
      panel.dataset.updateMs = (performance.now() - t0).toFixed(2);
    }

    function pick() {
      var i = +sample.value;
      image = data.images[i].map(function (row) { return row.slice(); });
      source = data.names[i];
      sampleOut.textContent = data.names[i];
      update();
    }

    // Drawing: a soft round brush; a pixel keeps the brighter of its value and the brush.
    function stroke(event) {
      var box = drawing.getBoundingClientRect(), h = image.length, w = image[0].length;
      brush(Math.floor((event.clientY - box.top) / box.height * h),
            Math.floor((event.clientX - box.left) / box.width * w));
    }

    function brush(r0, c0) {
      var h = image.length, w = image[0].length;
      for (var dr = -1; dr <= 1; dr++) {
        for (var dc = -1; dc <= 1; dc++) {
          var r = r0 + dr, c = c0 + dc;
          if (r < 0 || r >= h || c < 0 || c >= w) continue;
          image[r][c] = Math.max(image[r][c], dr === 0 && dc === 0 ? 1 : dr && dc ? 0.3 : 0.7);
        }
      }
      source = "your drawing";
      update();
    }

    var MOVES = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
    drawing.addEventListener("keydown", function (e) {
      if (MOVES[e.key]) {
        var h = image.length, w = image[0].length;
        cursor = [Math.max(0, Math.min(h - 1, cursor[0] + MOVES[e.key][0])),
                  Math.max(0, Math.min(w - 1, cursor[1] + MOVES[e.key][1]))];
        e.preventDefault();
        update();
      } else if (e.key === " " || e.key === "Enter") {
        e.preventDefault();
        brush(cursor[0], cursor[1]);
      }
    });
    drawing.addEventListener("focus", update);
    drawing.addEventListener("blur", update);
    // Keys pressed in the panel are the panel's: JupyterLab must not take them
    // as notebook shortcuts (arrow keys would move between cells, not the slider).
    panel.addEventListener("keydown", function (e) { e.stopPropagation(); });
    drawing.addEventListener("mousedown", function (e) { e.preventDefault(); stroke(e); });
    drawing.addEventListener("mousemove", function (e) { if (e.buttons & 1) stroke(e); });
    panel.querySelector("button[data-clear]").addEventListener("click", function () {
      image = image.map(function (row) { return row.map(function () { return 0; }); });
      source = "blank (draw on it)";
      update();
    });
    panel.querySelectorAll("button[data-kernel]").forEach(function (b) {
      b.addEventListener("click", function () {
        var k = data.kernels[b.dataset.kernel];
        weights.forEach(function (el, i) { el.value = k[Math.floor(i / 3)][i % 3]; });
        update();
      });
    });
    weights.forEach(function (el) { el.addEventListener("input", update); });
    mode.addEventListener("change", update);
    sample.addEventListener("input", pick);
    pick();
  }

  window.cnnLib = window.cnnLib || {};
  window.cnnLib.correlate2d = correlate2d;
  var me = document.currentScript;
  var panel = me && me.closest(".cnn-draw");
  if (panel) {
    setUp(panel);
  } else {  // inserted by a script loader: set up every panel not yet ready
    document.querySelectorAll(".cnn-draw").forEach(setUp);
  }
})();
