// Turning item-major file data into unit-major rows (the transpose every read does).

/**
 * Interleaves `k` items, each `C` rows of `hw` contiguous values, into `C` rows of `n` values
 * starting at column `off`: dst[c * n + off + i * hw + p] = src[(i * C + c) * hw + p], for i < k,
 * p < hw. (Dense layers: hw = 1, a plain transpose of a k x C matrix.) Blocked over items and
 * units so that both the reads and the writes stay in cache; long runs are block copies.
 */
export function interleaveItems(
  src: Float32Array | Float64Array,
  dst: Float32Array | Float64Array,
  k: number,
  C: number,
  hw: number,
  n: number,
  off = 0,
): void {
  if (hw >= 64) {
    for (let i = 0; i < k; i++) {
      const sBase = i * C * hw;
      const dBase = off + i * hw;
      for (let c = 0; c < C; c++) {
        const s = sBase + c * hw;
        dst.set(src.subarray(s, s + hw), c * n + dBase);
      }
    }
    return;
  }
  if (src instanceof Float32Array) interleaveBlocked32(src, dst as Float32Array, k, C, hw, n, off);
  else interleaveBlocked64(src, dst as Float64Array, k, C, hw, n, off);
}

// Two monomorphic copies of the same loop, so each stays specialised to one array type.
// Tiles of 64 units x (64 / hw) items (64 x 64 for dense layers) measured fastest.
function interleaveBlocked32(src: Float32Array, dst: Float32Array, k: number, C: number, hw: number, n: number, off: number): void {
  const CB = 64;
  const IB = Math.max(1, (64 / hw) | 0);
  const stride = C * hw;
  for (let i0 = 0; i0 < k; i0 += IB) {
    const i1 = Math.min(k, i0 + IB);
    for (let c0 = 0; c0 < C; c0 += CB) {
      const c1 = Math.min(C, c0 + CB);
      for (let c = c0; c < c1; c++) {
        let d = c * n + off + i0 * hw;
        let s = i0 * stride + c * hw;
        for (let i = i0; i < i1; i++, s += stride) {
          for (let p = 0; p < hw; p++) dst[d++] = src[s + p]!;
        }
      }
    }
  }
}

function interleaveBlocked64(src: Float64Array, dst: Float64Array, k: number, C: number, hw: number, n: number, off: number): void {
  const CB = 64;
  const IB = Math.max(1, (64 / hw) | 0);
  const stride = C * hw;
  for (let i0 = 0; i0 < k; i0 += IB) {
    const i1 = Math.min(k, i0 + IB);
    for (let c0 = 0; c0 < C; c0 += CB) {
      const c1 = Math.min(C, c0 + CB);
      for (let c = c0; c < c1; c++) {
        let d = c * n + off + i0 * hw;
        let s = i0 * stride + c * hw;
        for (let i = i0; i < i1; i++, s += stride) {
          for (let p = 0; p < hw; p++) dst[d++] = src[s + p]!;
        }
      }
    }
  }
}
