// Joint histogram kernel (contract: src/kernels/joint-histogram/contract.ts), the WASM part. The
// host (src/kernels/joint-histogram/wasm.ts) lays out the buffers; no allocation here.
//
// 1. histBin32 / histBin64: every value of a unit-major batch (f32 or f64) to its bin, one byte
//    per value: bin(x) = #{k : edges[u][k] < x}, by a branch-free binary search over the unit's
//    `ne` f64 edges (f32 values are promoted exactly, so both agree with the reference).
// 2. histJoint: for every unit a of net A and b of net B, the samples counted by (bin a, bin b)
//    into u32 counters at counts + 4 ((a * unitsB + b) * bins^2 + i * bins + j). Four interleaved
//    sub-histograms (scratch) break the store-to-load chains of repeated cells (the (0, 0) cell
//    of two ReLUs that are off is hit by a large share of samples), then are added to the
//    counters with i32x4 adds. The host keeps every counter below 2^32 by flushing
//    them into float64 before a batch could overflow them.

// Largest k in [0, ne] with edges[k-1] < x (the count of edges below x), branch-free.
// @ts-ignore: decorator
@inline function binOf(x: f64, e: usize, ne: i32): i32 {
  let lo = 0;
  let len = ne;
  while (len > 0) {
    const half = len >> 1;
    const mid = lo + half;
    const below = load<f64>(e + (<usize>mid << 3)) < x;
    lo = below ? mid + 1 : lo;
    len = below ? len - half - 1 : half;
  }
  return lo;
}

export function histBin32(x: usize, units: i32, n: i32, edges: usize, ne: i32, out: usize): void {
  for (let u = 0; u < units; u++) {
    const row = x + ((<usize>u * <usize>n) << 2);
    const e = edges + ((<usize>u * <usize>ne) << 3);
    const o = out + <usize>u * <usize>n;
    for (let s = 0; s < n; s++) store<u8>(o + <usize>s, <u8>binOf(<f64>load<f32>(row + (<usize>s << 2)), e, ne));
  }
}

export function histBin64(x: usize, units: i32, n: i32, edges: usize, ne: i32, out: usize): void {
  for (let u = 0; u < units; u++) {
    const row = x + ((<usize>u * <usize>n) << 3);
    const e = edges + ((<usize>u * <usize>ne) << 3);
    const o = out + <usize>u * <usize>n;
    for (let s = 0; s < n; s++) store<u8>(o + <usize>s, <u8>binOf(load<f64>(row + (<usize>s << 3)), e, ne));
  }
}

// Rows a0 .. a0 + rows - 1 of net A against every unit of net B. `binsA` / `binsB`: unit-major
// bytes, n per unit. `scratch`: 2 n + 16 bins^2 bytes (16-byte aligned): the pre-multiplied bins
// of the current unit of A (u16) and the four sub-histograms (u32).
export function histJoint(binsA: usize, a0: i32, rows: i32, binsB: usize, unitsB: i32, n: i32, bins: i32, counts: usize, scratch: usize): void {
  const cells = bins * bins;
  const cellBytes = <usize>cells << 2;
  const pre = scratch;
  const h0 = (scratch + (<usize>n << 1) + 15) & ~(<usize>15);
  const h1 = h0 + cellBytes;
  const h2 = h1 + cellBytes;
  const h3 = h2 + cellBytes;
  const cells4 = cells & ~3;
  const n4 = n & ~3;
  for (let a = a0; a < a0 + rows; a++) {
    const rowA = binsA + <usize>a * <usize>n;
    for (let s = 0; s < n; s++) store<u16>(pre + (<usize>s << 1), <u16>(<i32>load<u8>(rowA + <usize>s) * bins));
    for (let b = 0; b < unitsB; b++) {
      const rowB = binsB + <usize>b * <usize>n;
      memory.fill(h0, 0, cellBytes << 2);
      for (let s = 0; s < n4; s += 4) {
        const p = pre + (<usize>s << 1);
        const q = rowB + <usize>s;
        const i0 = <usize>(<i32>load<u16>(p) + <i32>load<u8>(q)) << 2;
        const i1 = <usize>(<i32>load<u16>(p, 2) + <i32>load<u8>(q, 1)) << 2;
        const i2 = <usize>(<i32>load<u16>(p, 4) + <i32>load<u8>(q, 2)) << 2;
        const i3 = <usize>(<i32>load<u16>(p, 6) + <i32>load<u8>(q, 3)) << 2;
        store<u32>(h0 + i0, load<u32>(h0 + i0) + 1);
        store<u32>(h1 + i1, load<u32>(h1 + i1) + 1);
        store<u32>(h2 + i2, load<u32>(h2 + i2) + 1);
        store<u32>(h3 + i3, load<u32>(h3 + i3) + 1);
      }
      for (let s = n4; s < n; s++) {
        const i = <usize>(<i32>load<u16>(pre + (<usize>s << 1)) + <i32>load<u8>(rowB + <usize>s)) << 2;
        store<u32>(h0 + i, load<u32>(h0 + i) + 1);
      }
      const c = counts + ((<usize>(a * unitsB + b) * <usize>cells) << 2);
      for (let k = 0; k < cells4; k += 4) {
        const o = <usize>k << 2;
        const sum = i32x4.add(i32x4.add(v128.load(h0 + o), v128.load(h1 + o)), i32x4.add(v128.load(h2 + o), v128.load(h3 + o)));
        v128.store(c + o, i32x4.add(v128.load(c + o), sum));
      }
      for (let k = cells4; k < cells; k++) {
        const o = <usize>k << 2;
        store<u32>(c + o, load<u32>(c + o) + load<u32>(h0 + o) + load<u32>(h1 + o) + load<u32>(h2 + o) + load<u32>(h3 + o));
      }
    }
  }
}
