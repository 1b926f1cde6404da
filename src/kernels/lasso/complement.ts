// The Newton step's solve in complement mode (see reference.ts, "Newton steps"): x_E = G_EE^-1 b
// from H = G^-1 and the factor of H_FF (F: the coordinates outside the support E), with
//
//   y = H b~   (b~ = b on E, 0 on F),   H_FF z = y_F,   x_E = y_E - H_EF z,
//
// since G_EE^-1 = H_EE - H_EF H_FF^-1 H_FE. Computing y costs d^2 (a pass over all of H, 128 MB
// at 4,096 predictors), but between two solves b~ changes in few coordinates (one leaves the
// support, a few signs flip), so y is kept with the b~ it stands for (work.hy, work.hb) and
// updated by one row of H per changed coordinate (H is symmetric), recomputed from scratch for a
// new target or once the updates since the last fresh y exceed d / 8 (bounding both the rounding
// drift and the cost: d / 8 updates cost an eighth of a fresh y). x_E then needs |F| rows of H,
// not all d: at the dense end of the path (|F| a few hundred) a solve reads a tenth of H.
// assembly/lasso.ts does the same operations in the same order.

import { axpyNeg, dot4 } from './vector-ops.js';
import type { LassoWork } from './work.js';

/** wx (compact, k entries) = x on the support sup[0..ke), 0 elsewhere; b_E = c_E - alpha s_E. */
export function complementSolve(work: LassoWork, inv: Float64Array, k: number, ke: number, alpha: number): void {
  const { wa, ca, act, sup, ys, full, wx, hy, hb, factor: f, d } = work;
  for (let i = 0; i < d; i++) full[i] = 0;
  for (let p = 0; p < ke; p++) {
    const a = sup[p];
    full[act[a]] = ca[a] - (wa[a] > 0 ? alpha : -alpha);
  }
  let changes = 0;
  if (work.hyFresh) for (let i = 0; i < d; i++) if (full[i] !== hb[i]) changes++;
  if (!work.hyFresh || work.hyUpdates + changes > d >> 3) {
    for (let i = 0; i < d; i++) hy[i] = dot4(inv, i * d, full, 0, d);
    work.hyFresh = true;
    work.hyUpdates = 0;
  } else {
    for (let i = 0; i < d; i++) if (full[i] !== hb[i]) axpyNeg(hy, 0, hb[i] - full[i], inv, i * d, d);
    work.hyUpdates += changes;
  }
  for (let i = 0; i < d; i++) hb[i] = full[i];
  // z = H_FF^-1 y_F, then x = y - H_:F z (full length; only E is read).
  for (let r = 0; r < f.n; r++) ys[r] = hy[f.idx[r]];
  f.solve(ys);
  for (let i = 0; i < d; i++) full[i] = hy[i];
  for (let r = 0; r < f.n; r++) axpyNeg(full, 0, ys[r], inv, f.idx[r] * d, d);
  for (let a = 0; a < k; a++) wx[a] = 0;
  for (let p = 0; p < ke; p++) wx[sup[p]] = full[act[sup[p]]];
}
