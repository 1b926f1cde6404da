// Forward MaxPool (MODE 0) / AveragePool (MODE 1) over (N, C, H, W), one output per invocation,
// with onnxruntime's window rules (the living definition is src/forward/reference/pool.ts):
// taps start at o * stride - pad_begin and are spaced `dilation` apart; taps outside the input
// are skipped; the average divides by the taps inside the input, or with include_pad by the taps
// inside the padded input [-pad_begin, size + pad_end); a window without an input tap gives 0
// (average) or the lowest float (max).
const WG: u32 = 256u;
const MODE: u32 = 0u;

struct Params {
  count: u32,
  grid_x: u32,
  h: u32,
  w: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  pt: i32,
  pl: i32,
  pb: i32,
  pr: i32,
  dh: u32,
  dw: u32,
  include_pad: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

//#include "common/x_to_y.wgsl"

const LOWEST: f32 = -3.4028234663852886e38;

//#include "common/per_element.wgsl"

fn element(i: u32) {
  let ohw = params.oh * params.ow;
  let plane = i / ohw;
  let rem = i % ohw;
  let oy = rem / params.ow;
  let ox = rem % params.ow;
  let h = i32(params.h);
  let w = i32(params.w);
  let y0 = i32(oy * params.sh) - params.pt;
  let x0 = i32(ox * params.sw) - params.pl;
  let base = plane * params.h * params.w;

  // Taps inside the input and inside the padded input, per axis.
  var rows = 0u;
  var rows_padded = 0u;
  for (var a = 0u; a < params.kh; a = a + 1u) {
    let iy = y0 + i32(a * params.dh);
    if (iy >= 0 && iy < h) { rows = rows + 1u; }
    if (iy >= -params.pt && iy < h + params.pb) { rows_padded = rows_padded + 1u; }
  }
  var cols = 0u;
  var cols_padded = 0u;
  for (var b = 0u; b < params.kw; b = b + 1u) {
    let ix = x0 + i32(b * params.dw);
    if (ix >= 0 && ix < w) { cols = cols + 1u; }
    if (ix >= -params.pl && ix < w + params.pr) { cols_padded = cols_padded + 1u; }
  }
  if (rows == 0u || cols == 0u) {
    y[i] = select(0.0, LOWEST, MODE == 0u);
    return;
  }

  var best = LOWEST;
  var sum = 0.0;
  for (var a = 0u; a < params.kh; a = a + 1u) {
    let iy = y0 + i32(a * params.dh);
    if (iy < 0 || iy >= h) { continue; }
    let row = base + u32(iy) * params.w;
    for (var b = 0u; b < params.kw; b = b + 1u) {
      let ix = x0 + i32(b * params.dw);
      if (ix < 0 || ix >= w) { continue; }
      let v = x[row + u32(ix)];
      if (MODE == 0u) {
        best = max(best, v);
      } else {
        sum = sum + v;
      }
    }
  }
  if (MODE == 0u) {
    y[i] = best;
  } else {
    let taps = select(rows * cols, rows_padded * cols_padded, params.include_pad == 1u);
    y[i] = sum / f32(taps);
  }
}
