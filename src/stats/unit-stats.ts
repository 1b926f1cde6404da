// Per-unit statistics and Pearson correlations from accumulated moments (population, ddof 0).
import type { BatchMoments } from '../kernels/moments/contract.js';

/**
 * A unit is dead when it is constant over the probe set (e.g. a ReLU that never fires). Exact
 * constants still leave a rounding residue in the co-moment, so the test is relative to the mean:
 * std <= 1e-6 |mean|, or std <= 1e-12 for units that are (nearly) always zero.
 */
export function isDeadUnit(mean: number, std: number): boolean {
  return !(std > Math.max(1e-12, 1e-6 * Math.abs(mean)));
}

export interface UnitStats {
  mean: Float64Array;
  std: Float64Array;
  dead: Uint8Array;
}

/** Mean, std and dead flags of units [offset, offset + count) of a joint moment summary. */
export function unitStats(m: BatchMoments, offset: number, count: number): UnitStats {
  const mean = new Float64Array(count);
  const std = new Float64Array(count);
  const dead = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const u = offset + i;
    mean[i] = m.mean[u];
    std[i] = m.n > 0 ? Math.sqrt(Math.max(0, m.m2[u * m.d + u]) / m.n) : 0;
    dead[i] = isDeadUnit(mean[i], std[i]) ? 1 : 0;
  }
  return { mean, std, dead };
}

/**
 * Pearson correlation between units [offA, offA + da) and [offB, offB + db) of a joint summary,
 * as a row-major da x db matrix. Entries involving a dead unit are NaN here (and only here: the
 * tables never carry them). Values are clamped to [-1, 1] against rounding.
 */
export function correlationBlock(
  m: BatchMoments,
  offA: number,
  da: number,
  offB: number,
  db: number,
  deadA: Uint8Array,
  deadB: Uint8Array,
): Float64Array {
  const d = m.d;
  const out = new Float64Array(da * db);
  const scaleB = new Float64Array(db);
  for (let j = 0; j < db; j++) scaleB[j] = deadB[j] ? NaN : 1 / Math.sqrt(m.m2[(offB + j) * d + offB + j]);
  for (let i = 0; i < da; i++) {
    const row = (offA + i) * d;
    const scaleA = deadA[i] ? NaN : 1 / Math.sqrt(m.m2[row + offA + i]);
    for (let j = 0; j < db; j++) {
      const r = m.m2[row + offB + j] * scaleA * scaleB[j];
      out[i * db + j] = r > 1 ? 1 : r < -1 ? -1 : r;
    }
  }
  return out;
}
