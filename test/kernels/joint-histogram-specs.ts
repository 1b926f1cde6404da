// Joint histogram specs for the kernel tests (joint-histogram.test.ts, mi-pairs.test.ts): edges
// on the grid the tests' data take, so that many values land exactly on an edge.
import type { JointHistogramSpec } from '../../src/kernels/joint-histogram/index.js';
import { seededUniform } from '../../src/util/random.js';

/** Per unit: edge 0 is the threshold 0, the rest on the data's grid (repeats included). */
export function makeEdges(units: number, bins: number, seed: number): Float64Array {
  const r = seededUniform(seed);
  const ne = bins - 1;
  const e = new Float64Array(units * ne);
  for (let u = 0; u < units; u++) {
    const row = [0, ...Array.from({ length: ne - 1 }, () => Math.round(r() * 1.3 * 16) / 16 + (r() < 0.2 ? 0.01 : 0))].sort((a, b) => a - b);
    row[0] = 0;
    e.set(row.slice(0, ne), u * ne);
  }
  return e;
}

export function spec(units: number[], bins: number, seed: number): JointHistogramSpec {
  const pairs: [number, number][] = [];
  for (let a = 0; a < units.length; a++) for (let b = a + 1; b < units.length; b++) pairs.push([a, b]);
  return { bins, units, edges: units.map((d, k) => makeEdges(d, bins, seed + k)), pairs };
}
