// The active set's growth and pruning (see reference.ts, "Active-set cycling"): which coordinates
// the sweeps touch. Shared in spirit with assembly/lasso.ts, which selects the same sets.

import { WS_MIN_GROWTH } from './contract.js';
import type { LassoWork } from './work.js';

/**
 * At the start of a penalty: the active set becomes the support of the warm start (w's non-zero
 * coordinates, ascending). Coordinates that were active at a larger penalty but are zero now leave
 * it, so that the sweeps cost O(|support|) per moved coordinate, not O(every coordinate that ever
 * violated optimality). Returns the new size.
 */
export function pruneToSupport(work: LassoWork): number {
  const { w, inA, act, d } = work;
  let k = 0;
  for (let i = 0; i < d; i++) {
    if (w[i] !== 0) {
      inA[i] = 1;
      act[k++] = i;
    } else inA[i] = 0;
  }
  return k;
}

/**
 * Violators (coordinates outside the active set with |g_i| > alpha and G_ii > 0) join the active
 * set, at most max(WS_MIN_GROWTH, k) of them: those with the largest |g_i| (ties: the smaller
 * index), so that the set at most doubles per outer iteration (as celer's and skglm's working
 * sets do) instead of taking every violator at once (thousands at 4,096 predictors, nearly all of
 * which stay zero). act[0..k) is left ascending; returns the number added (`merged` is scratch).
 */
export function growActiveSet(work: LassoWork, gram: Float64Array, k: number, alpha: number): number {
  const { g, inA, act, merged, d } = work;
  let nv = 0;
  for (let i = 0; i < d; i++) if (!inA[i] && Math.abs(g[i]) > alpha && gram[i * d + i] > 0) merged[nv++] = i;
  const budget = Math.max(WS_MIN_GROWTH, k);
  if (nv > budget) {
    const chosen = Array.from(merged.subarray(0, nv)).sort((x, y) => Math.abs(g[y]) - Math.abs(g[x]) || x - y);
    nv = budget;
    for (let q = 0; q < nv; q++) merged[q] = chosen[q];
  }
  for (let q = 0; q < nv; q++) inA[merged[q]] = 1;
  if (nv > 0) {
    let q = 0;
    for (let i = 0; i < d; i++) if (inA[i]) act[q++] = i;
  }
  return nv;
}
