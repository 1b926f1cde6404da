// Newton steps on the support (the feature-sign step of Lee et al., NIPS 2006; see reference.ts,
// "Newton steps"): keeping the factor in step with the support, the full or partial step, and the
// step along a null direction when G_EE is singular.

import { complementSolve } from './complement.js';
import { axpyNeg, dot4 } from './vector-ops.js';
import { objectiveOf, posInActive, type LassoWork } from './work.js';

/**
 * Brings the factor to the support of wa (E, compact positions in work.sup, ke of them) in the
 * mode its size calls for. Returns -1 when the factor is complete; in direct mode, the global
 * index i whose row met a non-positive pivot (G_EE is singular: the factor holds the indices added
 * before it, and nullDirection gives a null vector); -2 when a complement-mode pivot fails (the
 * factor is then reset).
 */
function syncFactor(work: LassoWork, gram: Float64Array, inv: Float64Array | null, ke: number): number {
  const { factor: f, act, sup, inE, d } = work;
  const mode = inv !== null && 2 * ke > d ? 1 : 0;
  const m = mode === 1 ? inv! : gram;
  if (f.mode !== mode) f.reset(mode);
  for (let p = 0; p < ke; p++) inE[act[sup[p]]] = 1;
  // Remove what no longer belongs (direct: left E; complement: joined E), from the end.
  for (let q = f.n - 1; q >= 0; q--) {
    const i = f.idx[q];
    if ((mode === 0) !== (inE[i] === 1)) f.remove(q);
  }
  let failed = -1;
  if (mode === 0) {
    for (let p = 0; p < ke && failed < 0; p++) {
      const i = act[sup[p]];
      if (f.pos[i] < 0 && !f.add(m, i)) failed = i;
    }
  } else {
    for (let i = 0; i < d && failed < 0; i++) if (inE[i] === 0 && f.pos[i] < 0 && !f.add(m, i)) failed = i;
  }
  for (let p = 0; p < ke; p++) inE[act[sup[p]]] = 0;
  if (failed >= 0 && mode === 1) {
    f.reset(mode);
    return -2;
  }
  return failed;
}

/**
 * G_EE is singular and u (work.xs: -y on the factor's indices, 1 at global index i) is a null
 * direction: along it the objective on the orthant face is linear, so w moves along +-u (the way
 * it does not increase) until the first coordinate reaches 0, which leaves the support. Returns 2
 * (a coordinate left) or 0 (no step).
 */
function nullStep(work: LassoWork, k: number, v: number, alpha: number, objective: number, i: number): number {
  const { wa, ga, gaa, wx, gx, xs: y, factor: f } = work;
  const n = f.n;
  f.nullDirection(y);
  const ai = posInActive(work, k, i);
  // Directional derivative of 1/2 w'Gw - c'w + alpha s'w along u: sum u_a (alpha s_a - g_a).
  let slope = (wa[ai] > 0 ? alpha : -alpha) - ga[ai];
  for (let p = 0; p < n; p++) {
    const a = posInActive(work, k, f.idx[p]);
    slope -= y[p] * ((wa[a] > 0 ? alpha : -alpha) - ga[a]);
  }
  let sigma = slope > 0 ? -1 : 1;
  let t = Infinity;
  let hit = -1;
  for (let attempt = 0; attempt < 2 && hit < 0; attempt++) {
    if (attempt === 1) sigma = -sigma;
    for (let p = 0; p <= n; p++) {
      const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
      const step = sigma * (p < n ? -y[p] : 1);
      const w0 = wa[a];
      if (w0 > 0 ? step < 0 : step > 0) {
        const ta = -w0 / step;
        if (ta < t) {
          t = ta;
          hit = a;
        }
      }
    }
  }
  if (hit < 0) return 0;
  for (let a = 0; a < k; a++) {
    wx[a] = wa[a];
    gx[a] = ga[a];
  }
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
    wx[a] = a === hit ? 0 : wa[a] + t * (sigma * (p < n ? -y[p] : 1));
  }
  // g(wx) = ga - G_A,. (wx - wa), exactly for the change made.
  for (let p = 0; p <= n; p++) {
    const a = p < n ? posInActive(work, k, f.idx[p]) : ai;
    const delta = wx[a] - wa[a];
    if (delta !== 0) axpyNeg(gx, 0, delta, gaa, a * k, k);
  }
  if (!(objectiveOf(work.ca, wx, gx, k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return 2;
}

/**
 * One Newton solve on the support of wa; returns 0 (no step: factor failure or no decrease),
 * 1 (full step, sign-consistent) or 2 (partial step, or a step along a null direction of a
 * singular G_EE: one coordinate left the support).
 */
export function newtonStep(
  work: LassoWork,
  gram: Float64Array,
  inv: Float64Array | null,
  k: number,
  v: number,
  alpha: number,
  objective: number,
  exact: boolean,
): number {
  const { wa, ga, ca, gaa, sup, xs, wx, gx, factor: f } = work;
  let ke = 0;
  for (let a = 0; a < k; a++) if (wa[a] !== 0) sup[ke++] = a;
  if (ke === 0) return 0;
  const sync = syncFactor(work, gram, inv, ke);
  if (sync === -2) return 0;
  if (sync >= 0) return nullStep(work, k, v, alpha, objective, sync);
  if (f.mode === 0) {
    // x = G_EE^-1 (c_E - alpha s_E), in the factor's order.
    for (let p = 0; p < f.n; p++) {
      const a = posInActive(work, k, f.idx[p]);
      xs[p] = ca[a] - (wa[a] > 0 ? alpha : -alpha);
    }
    f.solve(xs);
    // Back to compact positions: wx[a] = x for a in E.
    for (let a = 0; a < k; a++) wx[a] = 0;
    for (let p = 0; p < f.n; p++) wx[posInActive(work, k, f.idx[p])] = xs[p];
  } else {
    complementSolve(work, inv!, k, ke, alpha);
  }
  // Step towards x up to the first sign change.
  let tmax = 1;
  let hit = -1;
  for (let p = 0; p < ke; p++) {
    const a = sup[p];
    const w0 = wa[a];
    const x = wx[a];
    if (w0 > 0 ? !(x > 0) : !(x < 0)) {
      const t = w0 / (w0 - x);
      if (t < tmax) {
        tmax = t;
        hit = a;
      }
    }
  }
  if (!exact) {
    // g is affine along the step: g(wa + t (x - wa)) = ga + t (g(x) - ga), with g(x)_E = alpha s_E
    // by construction and g(x)_a = ca_a - G_a,E x_E (a dot product) for the rest of A.
    for (let a = 0; a < k; a++) {
      const w0 = wa[a];
      const gxa = w0 > 0 ? alpha : w0 < 0 ? -alpha : ca[a] - dot4(gaa, a * k, wx, 0, k);
      gx[a] = ga[a] + tmax * (gxa - ga[a]);
    }
  }
  if (tmax < 1) {
    for (let p = 0; p < ke; p++) {
      const a = sup[p];
      wx[a] = a === hit ? 0 : wa[a] + tmax * (wx[a] - wa[a]);
    }
  } else {
    // A coordinate landing exactly on zero (t = 1) is zero already.
    hit = -1;
  }
  if (exact) {
    // The gradient of the new point from scratch: gx = ca - G_A,E wx_E.
    for (let a = 0; a < k; a++) gx[a] = ca[a];
    for (let p = 0; p < ke; p++) {
      const a = sup[p];
      const wv = wx[a];
      if (wv !== 0) axpyNeg(gx, 0, wv, gaa, a * k, k);
    }
  }
  if (!(objectiveOf(ca, wx, gx, k, v, alpha) <= objective)) return 0;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return hit >= 0 ? 2 : 1;
}
