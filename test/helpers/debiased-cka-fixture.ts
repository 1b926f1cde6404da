// The debiased CKA fixture (scripts/fixtures/debiased_cka.py): two nets' activations per dataset
// and numpy's direct n x n answers; shared by the HSIC, sample-norms and debiased-cka tests.
import { readFileSync } from 'node:fs';

export interface DebiasedCase {
  name: string;
  /** samples x units of net A (values exact in float32). */
  a: number[][];
  b: number[][];
  hsic_ab: number;
  hsic_aa: number;
  hsic_bb: number;
  cka: number;
  q_ab: number;
  q_aa: number;
  q_bb: number;
  cross_sq: number;
  cross_sq_aa: number;
  cross_sq_bb: number;
  trace_a: number;
  trace_b: number;
  /** The cka without each of 3 contiguous blocks of samples, and their jackknife standard error. */
  jackknife3: number[];
  jackknife3_se: number;
}

export const debiasedCases: DebiasedCase[] = (JSON.parse(readFileSync('test/fixtures/debiased-cka.json', 'utf8')) as { datasets: DebiasedCase[] }).datasets;

/** A case's net as unit-major float32 data (data[u * samples + s]), samples [from, to). */
export function unitMajor(rows: number[][], from = 0, to = rows.length): Float32Array {
  const units = rows[0].length;
  const out = new Float32Array(units * (to - from));
  for (let u = 0; u < units; u++) for (let s = from; s < to; s++) out[u * (to - from) + s - from] = rows[s][u];
  return out;
}

/** |got - want| / |want|. */
export function relativeError(got: number | null | undefined, want: number): number {
  if (typeof got !== 'number') return Infinity;
  return Math.abs(got - want) / Math.abs(want);
}
