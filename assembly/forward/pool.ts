// Max / average pooling and global average pooling on NCHW f32 tensors, the WASM twins of
// src/forward/reference/pool.ts (same window rules, which are onnxruntime's):
//   * window taps are spaced `dilation` apart from o*stride - padBegin; taps outside the input
//     are skipped;
//   * average divisor: the taps inside the input, or (countIncludePad) the taps inside the padded
//     input [-padBegin, size + padEnd);
//   * a window without any input tap gives 0 (average) or the lowest f32 (max).
// The output size comes from the host (the plan has applied ceil_mode).

const LOWEST_F32: f32 = -3.4028234663852886e38;

// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

// @ts-ignore: decorator
@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// First and last tap (inclusive) of the window of output o that lie inside [0, size).
// @ts-ignore: decorator
@inline function tapLo(o: i32, stride: i32, pad: i32, dilation: i32): i32 {
  // Dilation 1 (nearly every net) needs no division.
  return max(0, dilation == 1 ? pad - o * stride : ceilDiv(pad - o * stride, dilation));
}
// @ts-ignore: decorator
@inline function tapHi(o: i32, size: i32, kernel: i32, stride: i32, pad: i32, dilation: i32): i32 {
  const a = size - 1 + pad - o * stride;
  return min(kernel - 1, dilation == 1 ? a : floorDiv(a, dilation));
}
// Taps of the window of output o inside the padded input [-padBegin, size + padEnd).
// @ts-ignore: decorator
@inline function tapsPadded(o: i32, size: i32, kernel: i32, stride: i32, padBegin: i32, padEnd: i32, dilation: i32): i32 {
  // Tap k is at o*stride - padBegin + k*dilation >= -padBegin always; it must be < size + padEnd.
  const a = size + padEnd + padBegin - o * stride;
  return max(0, min(kernel, dilation == 1 ? a : ceilDiv(a, dilation)));
}

// mode 0: max; 1: average over the taps inside the input; 2: average, count_include_pad.
// Separable: for each output row, the max (or sum) over its window's input rows is taken for the
// whole row width at once (SIMD) into `row` (2 W f32 of scratch), then each output reduces its
// window's columns of that row. Max ignores NaN as the reference does (comparisons with NaN
// fail; a window of NaN only gives -Infinity); sums run in f32 (rows first, then columns).
// For max, the columns are reduced with SIMD too: the window maximum at every column where a
// whole window fits goes to `row + W` (W more f32 of scratch), and each output whose window lies
// inside the row reads its value there; only edge windows are reduced one tap at a time. (The
// one-tap-at-a-time loop on real activations cost 3x the rest: a data-dependent branch per tap.)
// Taps are taken in order with `t > m`, as in the reference, so the value is the same.
export function pool2d(
  mode: i32, x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  pt: i32, pl: i32, pb: i32, pr: i32, dh: i32, dw: i32, outH: i32, outW: i32, y: usize, row: usize,
): void {
  const W4 = W & ~3;
  const rowB = <usize>W << 2;
  for (let p = 0; p < planes; p++) {
    const xp = x + ((<usize>p * <usize>H * <usize>W) << 2);
    let out = y + ((<usize>p * <usize>outH * <usize>outW) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const aLo = tapLo(oy, sh, pt, dh);
      const aHi = tapHi(oy, H, kh, sh, pt, dh);
      if (aLo > aHi) {
        // No input row in this window: every output of the row is empty.
        const v: f32 = mode == 0 ? LOWEST_F32 : 0;
        for (let ox = 0; ox < outW; ox++) store<f32>(out + (<usize>ox << 2), v);
        out += <usize>outW << 2;
        continue;
      }
      const rowPad = tapsPadded(oy, H, kh, sh, pt, pb, dh);
      const ih0 = oy * sh - pt;
      // The window's first input row, then the others folded in. Max starts from -Infinity so
      // that NaN inputs are skipped even in the first row (the reference's rule).
      if (mode == 0) {
        const r = xp + <usize>(ih0 + aLo * dh) * rowB;
        const ninf = f32x4.splat(-Infinity);
        let i = 0;
        for (; i < W4; i += 4) {
          const t = v128.load(r + (<usize>i << 2));
          v128.store(row + (<usize>i << 2), v128.bitselect(t, ninf, f32x4.gt(t, ninf)));
        }
        for (; i < W; i++) {
          const t = load<f32>(r + (<usize>i << 2));
          store<f32>(row + (<usize>i << 2), t > -Infinity ? t : -Infinity);
        }
      } else {
        memory.copy(row, xp + <usize>(ih0 + aLo * dh) * rowB, rowB);
      }
      for (let a = aLo + 1; a <= aHi; a++) {
        const r = xp + <usize>(ih0 + a * dh) * rowB;
        let i = 0;
        if (mode == 0) {
          for (; i < W4; i += 4) {
            const o = <usize>i << 2;
            const t = v128.load(r + o);
            const m = v128.load(row + o);
            // t > m ? t : m, so that NaN never replaces a value (the reference's rule).
            v128.store(row + o, v128.bitselect(t, m, f32x4.gt(t, m)));
          }
          for (; i < W; i++) {
            const o = <usize>i << 2;
            const t = load<f32>(r + o);
            if (t > load<f32>(row + o)) store<f32>(row + o, t);
          }
        } else {
          for (; i < W4; i += 4) {
            const o = <usize>i << 2;
            v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(r + o)));
          }
          for (; i < W; i++) {
            const o = <usize>i << 2;
            store<f32>(row + o, load<f32>(row + o) + load<f32>(r + o));
          }
        }
      }
      const rows = aHi - aLo + 1;
      // Columns c < span start a window that lies inside the row.
      const span = W - (kw - 1) * dw;
      const windowMax = row + rowB;
      if (mode == 0 && span > 0) columnMaxima(row, span, kw, dw, windowMax);
      for (let ox = 0; ox < outW; ox++) {
        const bLo = tapLo(ox, sw, pl, dw);
        const bHi = tapHi(ox, W, kw, sw, pl, dw);
        const iw0 = ox * sw - pl;
        let v: f32;
        if (mode == 0 && bLo == 0 && bHi == kw - 1) {
          v = load<f32>(windowMax + (<usize>iw0 << 2));
        } else if (bLo > bHi) {
          v = mode == 0 ? LOWEST_F32 : 0;
        } else if (mode == 0) {
          v = -Infinity;
          for (let b = bLo; b <= bHi; b++) {
            const t = load<f32>(row + (<usize>(iw0 + b * dw) << 2));
            if (t > v) v = t;
          }
        } else {
          let s: f32 = 0;
          for (let b = bLo; b <= bHi; b++) s += load<f32>(row + (<usize>(iw0 + b * dw) << 2));
          const count = mode == 2 ? rowPad * tapsPadded(ox, W, kw, sw, pl, pr, dw) : rows * (bHi - bLo + 1);
          v = s / <f32>count;
        }
        store<f32>(out, v);
        out += 4;
      }
    }
  }
}

// out[c] = the max of row[c + b dw] over taps b = 0 .. kw - 1 in order (`t > m`), for c < span.
// `row` holds no NaN (the row pass replaced them), so the maximum is exact whatever the order.
function columnMaxima(row: usize, span: i32, kw: i32, dw: i32, out: usize): void {
  let c = 0;
  for (; c + 4 <= span; c += 4) {
    const at = row + (<usize>c << 2);
    let m = v128.load(at);
    for (let b = 1; b < kw; b++) {
      const t = v128.load(at + (<usize>(b * dw) << 2));
      m = v128.bitselect(t, m, f32x4.gt(t, m));
    }
    v128.store(out + (<usize>c << 2), m);
  }
  for (; c < span; c++) {
    const at = row + (<usize>c << 2);
    let m = load<f32>(at);
    for (let b = 1; b < kw; b++) {
      const t = load<f32>(at + (<usize>(b * dw) << 2));
      m = select<f32>(t, m, t > m);
    }
    store<f32>(out + (<usize>c << 2), m);
  }
}

// y[p] = mean of the S values of plane p, summed in f64 (planes of thousands of values).
export function globalAvgPool(x: usize, planes: i32, S: i32, y: usize): void {
  for (let p = 0; p < planes; p++) {
    const xp = x + ((<usize>p * <usize>S) << 2);
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(xp + (<usize>i << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    for (; i < S; i++) s += <f64>load<f32>(xp + (<usize>i << 2));
    store<f32>(y + (<usize>p << 2), <f32>(s / <f64>S));
  }
}
