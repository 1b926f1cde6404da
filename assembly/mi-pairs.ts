// Mutual information of unit pairs straight from their binned columns (src/probe/reducers/mi-columns.ts):
// for every unit a of net A (rows a0 .. a0 + rows - 1) and every unit b of net B, the joint counts
// of their n samples' bins, counted in a small bins^2 histogram that is reused from pair to pair,
// then reduced to the plug-in MI and the Miller-Madow correction, so that no pair's counters
// outlive it. The reduction is src/probe/reducers/mi-estimate.ts's pairInformation and
// millerMadowCorrection step by step (the same float64 operations in the same order), and the
// logarithm is fdlibm's __ieee754_log, the one V8's Math.log runs (v8/src/base/ieee754.cc), so the
// results equal the TypeScript reduction of the same counts bit for bit
// (test/kernels/mi-pairs.test.ts checks miLog against Math.log, and the results against
// pairInformation).
//
// Counting is histJoint's (assembly/joint-histogram.ts): the bins of unit a pre-multiplied by
// `bins` (u16), four interleaved sub-histograms that break the store-to-load chains of a cell hit
// by many samples in a row, summed with i32x4 adds; but only over the samples outside unit a's
// most common bin (see miPairs).

// fdlibm's __ieee754_log (e_log.c, as ported in V8's ieee754.cc), operation for operation.
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const TWO54: f64 = 1.80143985094819840000e+16;
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;

// @ts-ignore: decorator
@inline function withHighWord(x: f64, high: i32): f64 {
  return reinterpret<f64>((<u64><u32>high << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

// @ts-ignore: decorator
@inline function fdlibmLog(input: f64): f64 {
  let x = input;
  let bits = reinterpret<u64>(x);
  let hx = <i32>(bits >> 32);
  const lx = <u32>bits;
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = <i32>(reinterpret<u64>(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000));
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      const dk0 = <f64>k;
      return dk0 * LN2_HI + dk0 * LN2_LO;
    }
    const R0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R0;
    const dk1 = <f64>k;
    return dk1 * LN2_HI - ((R0 - dk1 * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** fdlibm's log of one value (for the test that holds it to Math.log bit for bit). */
export function miLog(x: f64): f64 {
  return fdlibmLog(x);
}

/** Scratch bytes miPairs needs for n samples and `bins` bins. */
export function miPairsScratchBytes(n: i32, bins: i32): i32 {
  const cells = bins * bins;
  return 6 * n + 64 + 16 * cells + 24 * bins;
}

// The samples per bin of every unit of a net (`binsOf`: unit-major bytes, n per unit) into `out`
// (u32, units x bins): each unit's bin counts, which miPairs takes for the units of net B.
export function miBinCounts(binsOf: usize, units: i32, n: i32, bins: i32, out: usize): void {
  for (let u = 0; u < units; u++) {
    const row = binsOf + <usize>u * <usize>n;
    const o = out + ((<usize>u * <usize>bins) << 2);
    memory.fill(o, 0, <usize>bins << 2);
    for (let s = 0; s < n; s++) {
      const at = o + (<usize>load<u8>(row + <usize>s) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
  }
}

// Rows a0 .. a0 + rows - 1 of net A against every unit of net B. `binsA` / `binsB`: unit-major
// bytes, n per unit; `countsB`: miBinCounts of net B. Per pair (a, b), at index (a - a0) * unitsB
// + b of the f64 outputs: `outMi` the plug-in MI (nats; NaN when n is 0), `outMm` the Miller-Madow
// correction (m_a + m_b - m_ab - 1) / (2 n) (0 when n is 0). `scratch`: miPairsScratchBytes(n, bins).
//
// Only the samples outside unit a's most common bin are counted (a ReLU unit's zero bin holds
// most of its samples); that bin's row of the joint counts is then unit b's bin counts less the
// other rows, exactly.
export function miPairs(binsA: usize, a0: i32, rows: i32, binsB: usize, unitsB: i32, n: i32, bins: i32, countsB: usize, outMi: usize, outMm: usize, scratch: usize): void {
  const cells = bins * bins;
  const cellBytes = <usize>cells << 2;
  const index = scratch; // u32 per kept sample: its index
  const pre = index + (<usize>n << 2); // u16 per kept sample: its bin in unit a, times bins
  const h0 = (pre + (<usize>n << 1) + 15) & ~(<usize>15);
  const h1 = h0 + cellBytes;
  const h2 = h1 + cellBytes;
  const h3 = h2 + cellBytes;
  const rowSums = h3 + cellBytes;
  const colSums = rowSums + (<usize>bins << 3);
  const countsA = colSums + (<usize>bins << 3);
  const cells4 = cells & ~3;
  for (let a = a0; a < a0 + rows; a++) {
    const rowA = binsA + <usize>a * <usize>n;
    memory.fill(countsA, 0, <usize>bins << 2);
    for (let s = 0; s < n; s++) {
      const at = countsA + (<usize>load<u8>(rowA + <usize>s) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    let mode = 0;
    for (let i = 1; i < bins; i++) if (load<u32>(countsA + (<usize>i << 2)) > load<u32>(countsA + (<usize>mode << 2))) mode = i;
    let kept = 0;
    for (let s = 0; s < n; s++) {
      const bin = <i32>load<u8>(rowA + <usize>s);
      if (bin == mode) continue;
      store<u32>(index + (<usize>kept << 2), s);
      store<u16>(pre + (<usize>kept << 1), <u16>(bin * bins));
      kept++;
    }
    const kept4 = kept & ~3;
    for (let b = 0; b < unitsB; b++) {
      const rowB = binsB + <usize>b * <usize>n;
      memory.fill(h0, 0, cellBytes << 2);
      for (let t = 0; t < kept4; t += 4) {
        const p = pre + (<usize>t << 1);
        const q = index + (<usize>t << 2);
        const i0 = <usize>(<i32>load<u16>(p) + <i32>load<u8>(rowB + <usize>load<u32>(q))) << 2;
        const i1 = <usize>(<i32>load<u16>(p, 2) + <i32>load<u8>(rowB + <usize>load<u32>(q, 4))) << 2;
        const i2 = <usize>(<i32>load<u16>(p, 4) + <i32>load<u8>(rowB + <usize>load<u32>(q, 8))) << 2;
        const i3 = <usize>(<i32>load<u16>(p, 6) + <i32>load<u8>(rowB + <usize>load<u32>(q, 12))) << 2;
        store<u32>(h0 + i0, load<u32>(h0 + i0) + 1);
        store<u32>(h1 + i1, load<u32>(h1 + i1) + 1);
        store<u32>(h2 + i2, load<u32>(h2 + i2) + 1);
        store<u32>(h3 + i3, load<u32>(h3 + i3) + 1);
      }
      for (let t = kept4; t < kept; t++) {
        const i = <usize>(<i32>load<u16>(pre + (<usize>t << 1)) + <i32>load<u8>(rowB + <usize>load<u32>(index + (<usize>t << 2)))) << 2;
        store<u32>(h0 + i, load<u32>(h0 + i) + 1);
      }
      // The pair's counts into h0.
      for (let k = 0; k < cells4; k += 4) {
        const o = <usize>k << 2;
        v128.store(h0 + o, i32x4.add(i32x4.add(v128.load(h0 + o), v128.load(h1 + o)), i32x4.add(v128.load(h2 + o), v128.load(h3 + o))));
      }
      for (let k = cells4; k < cells; k++) {
        const o = <usize>k << 2;
        store<u32>(h0 + o, load<u32>(h0 + o) + load<u32>(h1 + o) + load<u32>(h2 + o) + load<u32>(h3 + o));
      }
      // Row `mode`: unit b's samples in bin j less those counted in the other rows.
      const marginB = countsB + ((<usize>b * <usize>bins) << 2);
      for (let j = 0; j < bins; j++) {
        let counted: u32 = 0;
        for (let i = 0; i < bins; i++) counted += load<u32>(h0 + (<usize>(i * bins + j) << 2));
        store<u32>(h0 + (<usize>(mode * bins + j) << 2), load<u32>(marginB + (<usize>j << 2)) - counted);
      }
      const at = (<usize>(a - a0) * <usize>unitsB + <usize>b) << 3;
      pairInformation(h0, bins, rowSums, colSums, outMi + at, outMm + at);
    }
  }
}

// pairInformation and millerMadowCorrection of mi-estimate.ts on one pair's u32 counts (row-major
// bins x bins at `counts`). The sums are of integers below 2^53 (exact in any order); the MI's
// terms are added in the TypeScript's order.
// @ts-ignore: decorator
@inline function pairInformation(counts: usize, bins: i32, rowSums: usize, colSums: usize, outMi: usize, outMm: usize): void {
  for (let i = 0; i < bins; i++) {
    store<f64>(rowSums + (<usize>i << 3), 0);
    store<f64>(colSums + (<usize>i << 3), 0);
  }
  let nonzero = 0;
  for (let i = 0; i < bins; i++) {
    let row: f64 = 0;
    for (let j = 0; j < bins; j++) {
      const c = <f64>load<u32>(counts + (<usize>(i * bins + j) << 2));
      row += c;
      const col = colSums + (<usize>j << 3);
      store<f64>(col, load<f64>(col) + c);
      if (c > 0) nonzero++;
    }
    store<f64>(rowSums + (<usize>i << 3), row);
  }
  let n: f64 = 0;
  for (let i = 0; i < bins; i++) n += load<f64>(rowSums + (<usize>i << 3));
  if (!(n > 0)) {
    store<f64>(outMi, NaN);
    store<f64>(outMm, 0);
    return;
  }
  let mi: f64 = 0;
  for (let i = 0; i < bins; i++) {
    const row = load<f64>(rowSums + (<usize>i << 3));
    if (row == 0) continue;
    for (let j = 0; j < bins; j++) {
      const c = <f64>load<u32>(counts + (<usize>(i * bins + j) << 2));
      if (c > 0) mi += c * fdlibmLog((c * n) / (row * load<f64>(colSums + (<usize>j << 3))));
    }
  }
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < bins; i++) {
    if (load<f64>(rowSums + (<usize>i << 3)) > 0) ma++;
    if (load<f64>(colSums + (<usize>i << 3)) > 0) mb++;
  }
  store<f64>(outMi, max<f64>(0, mi / n));
  store<f64>(outMm, <f64>(ma + mb - nonzero - 1) / (2 * n));
}
