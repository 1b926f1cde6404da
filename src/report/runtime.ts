// The report's own script, inlined into the page after the Vega builds. It reads the embedded
// JSON (#convergent-data), draws every chart with vega-embed, sets each heatmap's image and gives
// it a hover read-out: the mouse position maps to (row, column) of the matrix, then to the cell of
// the embedded (possibly block-averaged) copy of the values. It exposes the data as
// window.convergentReport and sets <html data-ready="true"> (or "error") once every chart is drawn.
//
// Panels marked `derived` (Fig. 1d: the between-net matrix with its columns reordered) have no
// image or values of their own: the image is drawn column by column from the source panel's on a
// canvas, and the read-out looks the value up in the source's values. The view selector in the
// contents bar shows the blocks (div.view) of one layer and one pair and hides the others.
export const RUNTIME_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('convergent-data').textContent);
  window.convergentReport = data;
  var tip = document.getElementById('tooltip');

  function decode(h) {
    if (h.derived) return derivedValues(h);
    if (h._values) return h._values;
    var bin = atob(h.hover.data);
    var n = bin.length >> 1;
    var out = new Float64Array(n);
    for (var k = 0; k < n; k++) {
      var q = bin.charCodeAt(2 * k) | (bin.charCodeAt(2 * k + 1) << 8);
      if (q & 0x8000) q -= 0x10000;
      out[k] = q === h.hover.nan ? NaN : q / h.hover.scale;
    }
    h._values = out;
    return out;
  }
  data.decode = decode;

  // A derived panel's values at its source's resolution: [row, column] = source [row, order[column]].
  // Exact when the source keeps one value per unit (up to 256 a side); beyond, each column takes the
  // source's block that holds its unit, and the read-out names that block.
  function derivedValues(h) {
    if (h._values) return h._values;
    var src = data.heatmaps[h.derived.from];
    var values = decode(src), order = h.derived.order;
    var br = src.hover.block[0], bc = src.hover.block[1], rows = src.hover.rows, cols = src.hover.cols;
    var out = new Float64Array(rows * h.cols);
    for (var r = 0; r < rows; r++) for (var c = 0; c < h.cols; c++) out[r * h.cols + c] = values[r * cols + Math.floor(order[c] / bc)];
    h._values = out;
    return out;
  }
  data.derivedValues = derivedValues;

  function label(axis, p) {
    var net = axis.nets[axis.net ? axis.net[p] : 0];
    var unit = axis.units ? axis.units[p] : p;
    var s = net + ' unit ' + unit;
    if (axis.groups) s += axis.groups[p] >= 0 ? ' (cluster ' + axis.groups[p] + ')' : ' (no cluster)';
    return s;
  }
  function span(axis, p0, p1) {
    if (p0 === p1) return label(axis, p0);
    return axis.title + 's at positions ' + p0 + '–' + p1;
  }

  function hover(img, h, event) {
    var r = img.getBoundingClientRect();
    var fx = (event.clientX - r.left) / r.width;
    var fy = (event.clientY - r.top) / r.height;
    if (fx < 0 || fy < 0 || fx >= 1 || fy >= 1) { tip.hidden = true; return; }
    var row = Math.min(h.rows - 1, Math.floor(fy * h.rows));
    var col = Math.min(h.cols - 1, Math.floor(fx * h.cols));
    // A derived panel reads its source's values; its columns keep their own unit labels.
    var src = h.derived ? data.heatmaps[h.derived.from] : h;
    var br = src.hover.block[0], bc = src.hover.block[1];
    var hr = Math.floor(row / br);
    var srcCol = h.derived ? h.derived.order[col] : col;
    var hc = Math.floor(srcCol / bc);
    var v = decode(src)[hr * src.hover.cols + hc];
    var r0 = hr * br, r1 = Math.min(h.rows, r0 + br) - 1;
    var c0 = hc * bc, c1 = Math.min(src.cols, c0 + bc) - 1;
    var block = br > 1 || bc > 1;
    var value = isNaN(v) ? 'undefined (dead or rare unit)' : (block ? 'mean r = ' : 'r = ') + v.toFixed(3);
    tip.textContent = '';
    var columns = h.derived
      ? (c0 === c1 ? label(src.colAxis, c0) : src.colAxis.title + 's ' + c0 + '–' + c1 + ' (the block holding ' + label(h.colAxis, col) + ')')
      : span(h.colAxis, c0, c1);
    var lines = block
      ? ['rows: ' + span(h.rowAxis, r0, r1), 'columns: ' + columns, value + ' (block of ' + (r1 - r0 + 1) + ' × ' + (c1 - c0 + 1) + ')']
      : [label(h.rowAxis, row) + ' (row ' + row + ')', label(h.colAxis, col) + ' (column ' + col + ')', value];
    lines.forEach(function (t, i) {
      var d = document.createElement('div');
      d.textContent = t;
      if (i === 2) d.className = 'tip-value';
      tip.appendChild(d);
    });
    tip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var w = tip.offsetWidth, hh = tip.offsetHeight;
    if (x + w > window.innerWidth - 4) x = event.clientX - w - 14;
    if (y + hh > window.innerHeight - 4) y = event.clientY - hh - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  // The image of a derived panel: the source image's columns in the panel's order, on a canvas.
  function derivedImage(h) {
    var src = data.heatmaps[h.derived.from];
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement('canvas');
        canvas.width = h.cols;
        canvas.height = image.naturalHeight;
        var g = canvas.getContext('2d');
        h.derived.order.forEach(function (from, to) { g.drawImage(image, from, 0, 1, image.naturalHeight, to, 0, 1, image.naturalHeight); });
        resolve(canvas.toDataURL('image/png'));
      };
      image.onerror = function () { reject(new Error('heatmap ' + h.derived.from + ': image did not load')); };
      image.src = src.image;
    });
  }

  // Pixelated when enlarged (one cell, one block); smoothed when shrunk, where nearest-neighbour
  // sampling would drop rows and columns (a dashed diagonal). Decided again when a block is shown.
  function fitRendering(img) {
    var width = img.getBoundingClientRect().width;
    if (!img.naturalWidth || width === 0) return;
    img.style.imageRendering = img.naturalWidth > width * (window.devicePixelRatio || 1) ? 'auto' : '';
  }

  var heatmapImages = Array.prototype.map.call(document.querySelectorAll('img[data-heatmap]'), function (img) {
    var h = data.heatmaps[img.getAttribute('data-heatmap')];
    if (!h) { console.error('convergent report: no data for heatmap ' + img.getAttribute('data-heatmap')); return Promise.reject(new Error('no data for heatmap')); }
    img.addEventListener('mousemove', function (e) { hover(img, h, e); });
    img.addEventListener('mouseleave', function () { tip.hidden = true; });
    // Settles once the image is drawn, or has failed (logged: the page then reports data-ready="error").
    return new Promise(function (resolve, reject) {
      var fail = function (message) { console.error('convergent report: ' + message); reject(new Error(message)); };
      img.addEventListener('load', function () { fitRendering(img); resolve(); });
      img.addEventListener('error', function () { fail('heatmap ' + img.getAttribute('data-heatmap') + ' did not load'); });
      if (h.derived) derivedImage(h).then(function (url) { img.src = url; }, function (e) { fail(e.message); });
      else img.src = h.image;
    });
  });

  // The view selector: blocks tagged data-layer / data-pair show only for the chosen layer and pair.
  var selectLayer = document.getElementById('select-layer');
  var selectPair = document.getElementById('select-pair');
  function applyView() {
    var layer = selectLayer.value, pair = selectPair.value;
    Array.prototype.forEach.call(document.querySelectorAll('.view'), function (el) {
      var l = el.getAttribute('data-layer'), p = el.getAttribute('data-pair');
      el.hidden = !((!layer || l === null || l === layer) && (!pair || p === null || p === pair));
    });
    Array.prototype.forEach.call(document.querySelectorAll('img[data-heatmap]'), fitRendering);
    document.documentElement.setAttribute('data-view', layer + '|' + pair);
  }
  if (selectLayer && selectPair) {
    // Start on the first layer and pair: one of each at a time keeps the page short.
    if (selectLayer.options.length > 1) selectLayer.selectedIndex = 1;
    if (selectPair.options.length > 1) selectPair.selectedIndex = 1;
    selectLayer.addEventListener('change', applyView);
    selectPair.addEventListener('change', applyView);
    selectLayer.closest('.view-select').hidden = false;
    applyView();
  }

  var charts = Array.prototype.map.call(document.querySelectorAll('[data-chart]'), function (el) {
    var spec = data.charts[el.getAttribute('data-chart')];
    return vegaEmbed(el, spec, { mode: 'vega-lite', renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function (result) { el.setAttribute('data-rendered', 'true'); return result; })
      .catch(function (error) {
        el.setAttribute('data-rendered', 'error');
        el.textContent = 'This chart could not be drawn: ' + error.message;
        console.error('convergent report: chart ' + el.getAttribute('data-chart') + ': ' + error.message);
        throw error;
      });
  });
  Promise.all(charts.concat(heatmapImages)).then(
    function () { document.documentElement.setAttribute('data-ready', 'true'); },
    function () { document.documentElement.setAttribute('data-ready', 'error'); }
  );
})();
`;
