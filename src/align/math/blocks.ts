// Covariance blocks of two nets' live units, cut out of the joint moments of a layer.
import type { BatchMoments } from '../../kernels/moments/contract.js';

/** The covariances every pairwise metric starts from (population: co-moment / n). */
export interface CovarianceBlocks {
  /** da x db, row-major: Cov(a_i, b_j). */
  sab: Float64Array;
  /** da x da. */
  saa: Float64Array;
  /** db x db. */
  sbb: Float64Array;
  da: number;
  db: number;
}

export interface UnitRange {
  /** Offset of the net's units in the joint moment matrices. */
  offset: number;
  units: number;
  /** 1 where a unit is dead (constant); dead units are left out of every block. */
  dead?: Uint8Array;
}

/** Refuses blocks whose sizes do not match da x db units; `what` names the metric. */
export function checkBlockSizes(what: string, sab: Float64Array, saa: Float64Array, sbb: Float64Array, da: number, db: number): void {
  if (sab.length !== da * db || saa.length !== da * da || sbb.length !== db * db) throw new Error(`${what}: blocks do not match ${da} x ${db} units`);
}

/** Indices (within the net) of the units that are not dead. */
export function liveUnits(range: UnitRange): number[] {
  const out: number[] = [];
  for (let i = 0; i < range.units; i++) if (!range.dead?.[i]) out.push(i);
  return out;
}

function block(m: BatchMoments, rows: number[], rowOffset: number, cols: number[], colOffset: number, scale: number, centred: boolean): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++) {
    const u = rowOffset + rows[r];
    for (let c = 0; c < cols.length; c++) {
      const v = colOffset + cols[c];
      let s = m.m2[u * m.d + v] * scale;
      if (!centred) s += m.mean[u] * m.mean[v];
      out[r * cols.length + c] = s;
    }
  }
  return out;
}

/**
 * Covariance blocks of the live units of nets a and b. With `centred: false` the blocks are the
 * raw second moments E[x y'] instead (m2 / n + mean mean'), for reproducing computations that
 * skip centring (such as the CCA of Kornblith et al.'s demo); every metric of convergent is
 * defined on centred features.
 */
export function covarianceBlocks(m: BatchMoments, a: UnitRange, b: UnitRange, options: { centred?: boolean } = {}): CovarianceBlocks {
  const centred = options.centred ?? true;
  const liveA = liveUnits(a);
  const liveB = liveUnits(b);
  const scale = m.n > 0 ? 1 / m.n : 0;
  return {
    sab: block(m, liveA, a.offset, liveB, b.offset, scale, centred),
    saa: block(m, liveA, a.offset, liveA, a.offset, scale, centred),
    sbb: block(m, liveB, b.offset, liveB, b.offset, scale, centred),
    da: liveA.length,
    db: liveB.length,
  };
}
