// Floating-point building blocks shared in spirit with assembly/lasso.ts: the reductions the WASM
// kernel vectorises are summed here in the order of its four f64x2 accumulators, so the two
// implementations agree bit for bit (see reference.ts, "Floating point").

/** sum_i a[ia + i] * b[ib + i] for i < n in the order of four f64x2 accumulators (see the header). */
export function dot4(a: Float64Array, ia: number, b: Float64Array, ib: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const x = ia + i;
    const y = ib + i;
    s0 += a[x] * b[y];
    s1 += a[x + 1] * b[y + 1];
    s2 += a[x + 2] * b[y + 2];
    s3 += a[x + 3] * b[y + 3];
    s4 += a[x + 4] * b[y + 4];
    s5 += a[x + 5] * b[y + 5];
    s6 += a[x + 6] * b[y + 6];
    s7 += a[x + 7] * b[y + 7];
  }
  let s = s0 + s4 + (s2 + s6) + (s1 + s5 + (s3 + s7));
  for (; i < n; i++) s += a[ia + i] * b[ib + i];
  return s;
}

/** Swaps a[i + t * stride] and a[j + t * stride] for t < n: two rows (stride 1) or two columns (stride = row length). */
export function swapStrided(a: Float64Array, i: number, j: number, n: number, stride: number): void {
  for (let t = 0; t < n; t++) {
    const x = a[i + t * stride];
    a[i + t * stride] = a[j + t * stride];
    a[j + t * stride] = x;
  }
}

/** y[iy + i] -= f * x[ix + i] for i < n. */
export function axpyNeg(y: Float64Array, iy: number, f: number, x: Float64Array, ix: number, n: number): void {
  for (let i = 0; i < n; i++) y[iy + i] -= f * x[ix + i];
}
