// The report's own script, inlined into the page after the Vega builds. It reads the embedded
// JSON (#convergent-data), draws every chart with vega-embed, sets each heatmap's image and gives
// it a hover read-out: the mouse position maps to (row, column) of the matrix, then to the cell of
// the embedded (possibly block-averaged) copy of the values. It exposes the data as
// window.convergentReport and sets <html data-ready="true"> (or "error") once every chart is drawn.
export const RUNTIME_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('convergent-data').textContent);
  window.convergentReport = data;
  var tip = document.getElementById('tooltip');

  function decode(h) {
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
    var br = h.hover.block[0], bc = h.hover.block[1];
    var hr = Math.floor(row / br), hc = Math.floor(col / bc);
    var v = decode(h)[hr * h.hover.cols + hc];
    var r0 = hr * br, r1 = Math.min(h.rows, r0 + br) - 1;
    var c0 = hc * bc, c1 = Math.min(h.cols, c0 + bc) - 1;
    var block = br > 1 || bc > 1;
    var value = isNaN(v) ? 'undefined (dead unit)' : (block ? 'mean r = ' : 'r = ') + v.toFixed(3);
    tip.textContent = '';
    var lines = block
      ? ['rows: ' + span(h.rowAxis, r0, r1), 'columns: ' + span(h.colAxis, c0, c1), value + (block ? ' (block of ' + (r1 - r0 + 1) + ' × ' + (c1 - c0 + 1) + ')' : '')]
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

  Array.prototype.forEach.call(document.querySelectorAll('img[data-heatmap]'), function (img) {
    var h = data.heatmaps[img.getAttribute('data-heatmap')];
    if (!h) { console.error('convergent report: no data for heatmap ' + img.getAttribute('data-heatmap')); return; }
    // Pixelated when enlarged (one cell, one block); smoothed when shrunk, where nearest-neighbour
    // sampling would drop rows and columns (a dashed diagonal).
    img.addEventListener('load', function () {
      if (img.naturalWidth > img.getBoundingClientRect().width * (window.devicePixelRatio || 1)) img.style.imageRendering = 'auto';
    });
    img.src = h.image;
    img.addEventListener('mousemove', function (e) { hover(img, h, e); });
    img.addEventListener('mouseleave', function () { tip.hidden = true; });
  });

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
  Promise.all(charts).then(
    function () { document.documentElement.setAttribute('data-ready', 'true'); },
    function () { document.documentElement.setAttribute('data-ready', 'error'); }
  );
})();
`;
