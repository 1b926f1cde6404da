// Seeded correlated "activations" of two nets for the LASSO benchmark and scratch experiments:
// n samples of dA + dB units, a shared latent space (unitsShared factors) seen by both nets with
// different loadings, factors private to each net, and unit noise, so that units are correlated
// within and across nets as in real layers. No `node:` imports (usable from anywhere).
import { XorShift32 } from '../src/util/random.js';

export interface CorrelatedData {
  n: number;
  dA: number;
  dB: number;
  /** Unit-major float64: row u (u < dA: net A's unit u, else net B's unit u - dA) holds n samples. */
  data: Float64Array;
}

/** xorshift32 uniforms in (0, 1) and Box-Muller normals (both of each pair used); deterministic. */
export class Rng extends XorShift32 {
  private spare: number | null = null;
  normal(): number {
    if (this.spare !== null) {
      const x = this.spare;
      this.spare = null;
      return x;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const th = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }
}

export function correlatedData(n: number, dA: number, dB: number, seed = 1, shared = 64, privateFactors = 32, noise = 0.5): CorrelatedData {
  const rng = new Rng(seed);
  const d = dA + dB;
  const z = new Float64Array(shared * n);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  const za = new Float64Array(privateFactors * n);
  const zb = new Float64Array(privateFactors * n);
  for (let i = 0; i < za.length; i++) za[i] = rng.normal();
  for (let i = 0; i < zb.length; i++) zb[i] = rng.normal();
  const data = new Float64Array(d * n);
  for (let u = 0; u < d; u++) {
    const row = data.subarray(u * n, (u + 1) * n);
    // Each unit loads on a few shared and private factors (sparse loadings, as real units are
    // selective), plus noise, a scale and an offset.
    const priv = u < dA ? za : zb;
    for (let f = 0; f < 4; f++) {
      const k = Math.floor(rng.uniform() * shared);
      const l = rng.normal();
      for (let s = 0; s < n; s++) row[s] += l * z[k * n + s];
    }
    for (let f = 0; f < 2; f++) {
      const k = Math.floor(rng.uniform() * privateFactors);
      const l = 0.7 * rng.normal();
      for (let s = 0; s < n; s++) row[s] += l * priv[k * n + s];
    }
    const scale = 0.5 + 2 * rng.uniform();
    const offset = rng.normal();
    for (let s = 0; s < n; s++) row[s] = scale * (row[s] + noise * rng.normal()) + offset;
  }
  return { n, dA, dB, data };
}

/** Joint moments (mean, centred co-moment m2 = Xc Xc') of the units, float64. */
export function momentsOf(x: CorrelatedData): { n: number; d: number; mean: Float64Array; m2: Float64Array } {
  const { n, data } = x;
  const d = x.dA + x.dB;
  const mean = new Float64Array(d);
  const c = new Float64Array(d * n);
  for (let u = 0; u < d; u++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += data[u * n + k];
    mean[u] = s / n;
    for (let k = 0; k < n; k++) c[u * n + k] = data[u * n + k] - mean[u];
  }
  const m2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ri = c.subarray(i * n, i * n + n);
    for (let j = i; j < d; j++) {
      const rj = c.subarray(j * n, j * n + n);
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < n; k += 2) {
        s0 += ri[k] * rj[k];
        s1 += ri[k + 1] * rj[k + 1];
      }
      if (k < n) s0 += ri[k] * rj[k];
      m2[i * d + j] = m2[j * d + i] = s0 + s1;
    }
  }
  return { n, d, mean, m2 };
}
