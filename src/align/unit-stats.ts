// Per-unit statistics and Pearson correlations from accumulated moments (population, ddof 0).
import type { BatchMoments } from '../kernels/moments/contract.js';

/** The precision of the activations a probe read for a net (recorded in moments/<layer>/count.json). */
export type ActivationDtype = 'float32' | 'float64';

/**
 * How far a std may be from zero, relative to |mean|, for a unit to count as constant: about 8
 * ulps of the input precision (float32: 1e-6, 8.4 x 2^-23; float64: 2e-15, 9 x 2^-52). A constant
 * leaves no residue in the moments themselves (the accumulator's shift and power-of-two scale
 * centre it to exact zeros on every backend), but a unit that a net computes as "constant" carries
 * the net's own rounding noise, a few ulps of its values, which is not a signal to correlate.
 */
export const DEAD_RELATIVE_STD: Record<ActivationDtype, number> = { float32: 1e-6, float64: 2e-15 };

/**
 * Below this std a unit counts as constant whatever its mean: the smallest normal number of the
 * input precision (float32: ~1.2e-38; float64: ~2.2e-308); variation confined to subnormals
 * carries too few bits to correlate.
 */
export const DEAD_ABSOLUTE_STD: Record<ActivationDtype, number> = { float32: 2 ** -126, float64: 2 ** -1022 };

/**
 * A unit is dead when it is constant over the probe set (e.g. a ReLU that never fires), at the
 * precision of the activations read: std <= max(DEAD_ABSOLUTE_STD, DEAD_RELATIVE_STD |mean|).
 * Runs that predate the dtype record were float32 in practice; float32 is the default.
 */
export function isDeadUnit(mean: number, std: number, dtype: ActivationDtype = 'float32'): boolean {
  return !(std > Math.max(DEAD_ABSOLUTE_STD[dtype], DEAD_RELATIVE_STD[dtype] * Math.abs(mean)));
}

export interface UnitStats {
  mean: Float64Array;
  std: Float64Array;
  dead: Uint8Array;
}

/** Mean, std and dead flags of units [offset, offset + count) of a joint moment summary. */
export function unitStats(m: BatchMoments, offset: number, count: number, dtype: ActivationDtype = 'float32'): UnitStats {
  const mean = new Float64Array(count);
  const std = new Float64Array(count);
  const dead = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const u = offset + i;
    mean[i] = m.mean[u];
    std[i] = m.n > 0 ? Math.sqrt(Math.max(0, m.m2[u * m.d + u]) / m.n) : 0;
    dead[i] = isDeadUnit(mean[i], std[i], dtype) ? 1 : 0;
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
