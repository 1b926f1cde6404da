// The numerics fixtures (scripts/fixtures/make_numerics_fixtures.py): numpy's answers, the stored
// run inputs, and the 20,000-sample CCA case rebuilt from its formula.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import type { BatchMoments } from '../../src/kernels/moments/contract.js';

export const NUMERICS = 'test/fixtures/numerics';

export interface StatsCase {
  mean: Record<string, number[]>;
  std: Record<string, number[]>;
  dead: Record<string, number[]>;
  /** units of net a x units of net b; null where a unit is dead. */
  corr: (number | null)[][];
  /** Linear CKA of the live units. */
  linear_cka: number;
}

export interface CcaCase {
  samples: number;
  units: number;
  alphas: number[];
  mix_a: number[][];
  mix_b: number[][];
  rank_a: number;
  rank_b: number;
  canonical: number[];
  sum_a: number;
  sum_b: number;
}

export interface Expected {
  overflow_f32: StatsCase;
  overflow_f64: StatsCase;
  dead_f64: StatsCase;
  few_samples_2: StatsCase;
  few_samples_3: StatsCase;
  huge_f64: { net: string; layer: string; unit: number; sample: number; value: number };
  cca_rank: CcaCase;
}

export const expected = JSON.parse(readFileSync(join(NUMERICS, 'expected.json'), 'utf8')) as Expected;

/** The nets of a stored case, as `probe` takes them. */
export function caseNets(name: string): { name: string; path: string }[] {
  return ['a', 'b'].map((net) => ({ name: net, path: join(NUMERICS, name, net) }));
}

/** One net of the CCA case, (samples, units) row-major float32, exactly as numpy built it. */
export function ccaNet(c: CcaCase, mix: number[][]): Float32Array {
  const { samples: n, units } = c;
  const out = new Float32Array(n * units);
  const z = new Float64Array(c.alphas.length);
  for (let s = 0; s < n; s++) {
    c.alphas.forEach((alpha, k) => {
      const p = s * alpha;
      z[k] = p - Math.floor(p) - 0.5;
    });
    for (let u = 0; u < units; u++) {
      let x = 0;
      for (let k = 0; k < z.length; k++) x = x + z[k] * mix[u][k];
      out[s * units + u] = x;
    }
  }
  return out;
}

/** Writes the CCA case as a probe input (<dir>/<net>/fc.npy) and returns its nets. */
export async function writeCcaCase(dir: string): Promise<{ name: string; path: string }[]> {
  const c = expected.cca_rank;
  const nets: { name: string; path: string }[] = [];
  for (const [name, mix] of [['a', c.mix_a], ['b', c.mix_b]] as const) {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    await writeNpy(join(folder, 'fc.npy'), ccaNet(c, mix), [c.samples, c.units]);
    nets.push({ name, path: folder });
  }
  return nets;
}

/** A stored case as the kernels take it: both nets' units stacked (a first), unit-major. */
export async function stackedCase(name: string): Promise<{ data: Float32Array | Float64Array; units: number[]; samples: number; nets: NetBatchLike[] }> {
  const nets: NetBatchLike[] = [];
  for (const net of caseNets(name)) {
    const x = await readNpy(join(net.path, 'fc.npy'));
    const [samples, units] = x.shape;
    const data = new (x.data instanceof Float64Array ? Float64Array : Float32Array)(samples * units);
    for (let s = 0; s < samples; s++) for (let u = 0; u < units; u++) data[u * samples + s] = x.data[s * units + u];
    nets.push({ data, units, samples });
  }
  const samples = nets[0].samples;
  const data = new (nets[0].data instanceof Float64Array ? Float64Array : Float32Array)(nets.reduce((t, b) => t + b.units, 0) * samples);
  let offset = 0;
  for (const b of nets) {
    data.set(b.data, offset);
    offset += b.data.length;
  }
  return { data, units: nets.map((b) => b.units), samples, nets };
}

export interface NetBatchLike {
  data: Float32Array | Float64Array;
  units: number;
  samples: number;
}

/** Stacked moments (net a's units, then b's) against numpy: means, stds and a x b correlations. */
export function expectMomentsMatch(m: BatchMoments, want: StatsCase, tol: number): void {
  const unitsA = want.mean.a.length;
  const unitsB = want.mean.b.length;
  expect(m.d).toBe(unitsA + unitsB);
  const flat = (k: keyof StatsCase) => [...(want[k] as Record<string, number[]>).a, ...(want[k] as Record<string, number[]>).b];
  const mean = flat('mean');
  const std = flat('std');
  for (let i = 0; i < m.d; i++) {
    expect(Math.abs(m.mean[i] - mean[i])).toBeLessThanOrEqual(tol * (std[i] + Math.abs(mean[i]) * 1e-7));
    expect(Math.abs(Math.sqrt(m.m2[i * m.d + i] / m.n) - std[i])).toBeLessThanOrEqual(tol * std[i]);
  }
  for (let i = 0; i < unitsA; i++) {
    for (let j = 0; j < unitsB; j++) {
      const r = m.m2[i * m.d + unitsA + j] / Math.sqrt(m.m2[i * m.d + i] * m.m2[(unitsA + j) * m.d + unitsA + j]);
      const v = want.corr[i][j];
      if (v !== null) expect(Math.abs(r - v)).toBeLessThanOrEqual(tol);
    }
  }
}
