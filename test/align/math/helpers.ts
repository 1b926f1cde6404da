// Shared by the metric tests: the numpy fixtures, moments of sample-major data, and a method
// context built from moments the way src/align/align.ts builds it from a run directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';
import type { BatchMoments } from '../../../src/kernels/moments/contract.js';
import { batchMomentsReference } from '../../../src/kernels/moments/reference.js';

export const FIX = 'test/fixtures/metrics';

export interface Expected {
  samples: number;
  units_a: number;
  units_b: number;
  dead_a: number[];
  dead_b: number[];
  linear_cka: number;
  canonical_correlations: number[];
  mean_cca: number;
  mean_cca_sq: number;
  mean_cca_sq_uncentred: number;
  svcca_keep: number;
  svcca_dims_a: number;
  svcca_dims_b: number;
  svcca_correlations: number[];
  svcca: number;
  r2_b_from_a: number;
  r2_a_from_b: number;
  mean_r2_b_from_a: number;
  mean_r2_a_from_b: number;
  procrustes: number;
}

export const expected: Record<string, Expected> = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));

/** A sample-major matrix: n rows (samples) of d columns (units). */
export interface Data {
  x: Float64Array;
  n: number;
  d: number;
}

export async function loadData(name: string): Promise<{ a: Data; b: Data }> {
  const read = async (side: string): Promise<Data> => {
    const { data, shape } = await readNpy(join(FIX, `${name}_${side}.npy`));
    return { x: Float64Array.from(data), n: shape[0], d: shape[1] };
  };
  return { a: await read('a'), b: await read('b') };
}

/** Moments of several nets' units stacked (unit-major, as the moment kernels take them). */
export function jointMoments(...nets: Data[]): BatchMoments {
  const n = nets[0].n;
  const d = nets.reduce((s, m) => s + m.d, 0);
  const stacked = new Float64Array(d * n);
  let u0 = 0;
  for (const m of nets) {
    if (m.n !== n) throw new Error('nets disagree on samples');
    for (let s = 0; s < n; s++) for (let u = 0; u < m.d; u++) stacked[(u0 + u) * n + s] = m.x[s * m.d + u];
    u0 += m.d;
  }
  return batchMomentsReference(stacked, d, n);
}

/** data (n x d) times M (d x k). */
export function transform(data: Data, m: Float64Array, k: number, shift = 0): Data {
  const x = new Float64Array(data.n * k);
  for (let s = 0; s < data.n; s++) {
    for (let j = 0; j < k; j++) {
      let v = shift;
      for (let i = 0; i < data.d; i++) v += data.x[s * data.d + i] * m[i * k + j];
      x[s * k + j] = v;
    }
  }
  return { x, n: data.n, d: k };
}

/** Columns of `data` picked (repeats allowed), plus constant columns where `cols` has a number string. */
export function columns(data: Data, cols: (number | { constant: number })[]): Data {
  const x = new Float64Array(data.n * cols.length);
  for (let s = 0; s < data.n; s++) {
    cols.forEach((c, j) => {
      x[s * cols.length + j] = typeof c === 'number' ? data.x[s * data.d + c] : c.constant;
    });
  }
  return { x, n: data.n, d: cols.length };
}

/** A seeded d x d matrix: random orthogonal (Gram-Schmidt of normals) or random well-conditioned. */
export function randomMatrix(d: number, rand: () => number, kind: 'orthogonal' | 'invertible'): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) m[i] = rand();
  if (kind === 'invertible') {
    for (let i = 0; i < d; i++) m[i * d + i] += 3 * Math.sign(m[i * d + i] || 1);
    return m;
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += m[i * d + j] * m[i * d + k];
      for (let i = 0; i < d; i++) m[i * d + j] -= dot * m[i * d + k];
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += m[i * d + j] ** 2;
    for (let i = 0; i < d; i++) m[i * d + j] /= Math.sqrt(norm);
  }
  return m;
}
