// Separable resampling of one image plane with the triangle (bilinear) filter, the way Pillow and
// torchvision (antialias=True) do it: when downscaling, the filter is widened by the scale factor
// so every input pixel contributes (an area-weighted average rather than aliased point samples);
// when upscaling it is ordinary bilinear interpolation with half-pixel centres
// (align_corners=False) and edge clamping. Only the output rows and columns inside a crop window
// are computed, so resize + center crop costs no more than the crop.

/** Taps of one axis: output i reads `count[i]` inputs from `start[i]`, weights at i * `taps`. */
export interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  taps: number;
}

/**
 * Taps for outputs `first` .. `first + n - 1` of an axis resized from `inSize` to `outSize`.
 * Outputs outside 0..outSize-1 (a crop larger than the resized image) get no taps: padding.
 * Follows Pillow's precompute_coeffs: centre (i + 0.5) * in/out, support 1 * max(in/out, 1).
 */
export function axisTaps(inSize: number, outSize: number, first: number, n: number, antialias: boolean): AxisTaps {
  const scale = inSize / outSize;
  const filterScale = antialias ? Math.max(scale, 1) : 1;
  const support = filterScale; // the triangle filter's support is 1
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Float32Array(n * taps);
  const w = new Float64Array(taps);
  for (let k = 0; k < n; k++) {
    const i = first + k;
    if (i < 0 || i >= outSize) continue;
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    let m = 0;
    for (let x = lo; x < hi; x++, m++) {
      const t = Math.abs((x - center + 0.5) / filterScale);
      w[m] = t < 1 ? 1 - t : 0;
      total += w[m]!;
    }
    // Drop zero-weight taps at either end (they cost time and the padding in the tap table).
    let a = 0;
    let b = m;
    while (a < b && w[a] === 0) a++;
    while (b > a && w[b - 1] === 0) b--;
    start[k] = lo + a;
    count[k] = b - a;
    for (let j = a; j < b; j++) weights[k * taps + j - a] = total > 0 ? w[j]! / total : 0;
  }
  return { start, count, weights, taps };
}

/**
 * Resamples one plane (`inH` x `inW`, row-major, at `src[srcOffset]`) through the row and column
 * taps into `dst` (rows.start.length x cols.start.length, row-major, at `dstOffset`). Outputs with
 * no taps (padding) are `fill`.
 */
export function resamplePlane(
  src: Float32Array,
  srcOffset: number,
  inW: number,
  rows: AxisTaps,
  cols: AxisTaps,
  dst: Float32Array,
  dstOffset: number,
  fill: number,
): void {
  const outH = rows.start.length;
  const outW = cols.start.length;
  // Horizontal pass over the input rows that some output row reads, into a band buffer.
  let rowLo = Infinity;
  let rowHi = -Infinity;
  for (let y = 0; y < outH; y++) {
    if (rows.count[y] === 0) continue;
    rowLo = Math.min(rowLo, rows.start[y]!);
    rowHi = Math.max(rowHi, rows.start[y]! + rows.count[y]!);
  }
  if (rowLo === Infinity) {
    dst.fill(fill, dstOffset, dstOffset + outH * outW);
    return;
  }
  const band = new Float32Array((rowHi - rowLo) * outW);
  for (let r = rowLo; r < rowHi; r++) {
    const srcRow = srcOffset + r * inW;
    const bandRow = (r - rowLo) * outW;
    for (let x = 0; x < outW; x++) {
      const c = cols.count[x]!;
      const s = srcRow + cols.start[x]!;
      const wo = x * cols.taps;
      let acc = 0;
      for (let j = 0; j < c; j++) acc += src[s + j]! * cols.weights[wo + j]!;
      band[bandRow + x] = acc;
    }
  }
  // Vertical pass, a whole band row at a time (contiguous reads).
  for (let y = 0; y < outH; y++) {
    const c = rows.count[y]!;
    const dstRow = dstOffset + y * outW;
    dst.fill(c === 0 ? fill : 0, dstRow, dstRow + outW);
    if (c === 0) continue;
    const s = rows.start[y]! - rowLo;
    for (let j = 0; j < c; j++) {
      const weight = rows.weights[y * rows.taps + j]!;
      const bandRow = (s + j) * outW;
      for (let x = 0; x < outW; x++) dst[dstRow + x] += band[bandRow + x]! * weight;
    }
    for (let x = 0; x < outW; x++) if (cols.count[x] === 0) dst[dstRow + x] = fill;
  }
}
