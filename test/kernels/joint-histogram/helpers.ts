// Shared by the row-range and parallel joint histogram tests: specs whose pairs include a net with
// itself and both orders of a pair, batches of values on the edges' grid, and a byte comparison.
import { expect } from 'vitest';
import type { JointHistogramKernel, JointHistogramSpec } from '../../../src/kernels/joint-histogram/index.js';
import { seededUniform } from '../../../src/util/random.js';
import { makeEdges } from '../joint-histogram-specs.js';

/** Nets of `units`, pairs [0, 1], [1, 1], [2, 0], [0, 2] (as many as the nets allow). */
export function specWithSelfPairs(units: number[], bins: number, seed: number): JointHistogramSpec {
  const pairs: [number, number][] = units.length >= 3 ? [[0, 1], [1, 1], [2, 0], [0, 2]] : [[0, 1], [1, 1], [1, 0]];
  return { bins, units, edges: units.map((d, k) => makeEdges(d, bins, seed + k)), pairs };
}

/** Unit-major values on a 1/16 grid (many exactly on an edge), a third of them at or below 0 (0, -0 or negative). */
export function gridBatch(units: number, n: number, seed: number, f64: boolean): Float32Array | Float64Array {
  const r = seededUniform(seed);
  const out = f64 ? new Float64Array(units * n) : new Float32Array(units * n);
  for (let i = 0; i < out.length; i++) {
    const x = Math.floor(r() * 40) / 16 - 0.8;
    const below = r();
    out[i] = x > 0 ? x : below < 0.3 ? 0 : below < 0.6 ? -0 : x;
  }
  return out;
}

/** Every batch of `sizes` (net k float64 when f64[k]) added, then the counts. */
export async function countBatches(kernel: JointHistogramKernel, spec: JointHistogramSpec, sizes: number[], f64: boolean[], seed: number): Promise<Float64Array[]> {
  for (const [i, n] of sizes.entries()) await kernel.add(spec.units.map((d, k) => gridBatch(d, n, seed + 97 * i + k, f64[k])), n);
  return kernel.counts();
}

/** The same float64 arrays, byte for byte. */
export function expectBytesEqual(got: Float64Array[], want: Float64Array[]): void {
  expect(got.map((g) => g.length)).toEqual(want.map((w) => w.length));
  got.forEach((g, p) => expect(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(want[p].buffer, want[p].byteOffset, want[p].byteLength)), `pair ${p}`).toBe(true));
}
