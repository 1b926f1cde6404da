// Anderson extrapolation of the coordinate-descent iterates (Bertrand & Massias, AISTATS 2021;
// see reference.ts, "Anderson extrapolation").

import { ANDERSON_K } from './contract.js';
import { dot4, swapStrided } from './vector-ops.js';
import { objectiveOf, type LassoWork } from './work.js';

/** One Anderson extrapolation from the history; true when it replaced wa, ga. */
export function anderson(work: LassoWork, k: number, v: number, alpha: number, objective: number): boolean {
  const K = ANDERSON_K;
  const { histW, histG, andU: u, andM: m, andZ: z, wa, ga, ca, wx, gx, d } = work;
  for (let r = 0; r < K; r++) {
    const o1 = (r + 1) * d;
    const o0 = r * d;
    const ur = r * d;
    for (let a = 0; a < k; a++) u[ur + a] = histW[o1 + a] - histW[o0 + a];
  }
  for (let r = 0; r < K; r++) {
    for (let q = 0; q <= r; q++) {
      const s = dot4(u, r * d, u, q * d, k);
      m[r * K + q] = s;
      m[q * K + r] = s;
    }
  }
  // (U'U) z = 1 by Gaussian elimination with partial pivoting; give up on a zero pivot.
  for (let r = 0; r < K; r++) z[r] = 1;
  for (let col = 0; col < K; col++) {
    let p = col;
    for (let r = col + 1; r < K; r++) if (Math.abs(m[r * K + col]) > Math.abs(m[p * K + col])) p = r;
    const piv = m[p * K + col];
    if (!(Math.abs(piv) > 0)) return false;
    if (p !== col) {
      swapStrided(m, p * K, col * K, K, 1);
      const x = z[p];
      z[p] = z[col];
      z[col] = x;
    }
    for (let r = col + 1; r < K; r++) {
      const f = m[r * K + col] / piv;
      for (let q = col; q < K; q++) m[r * K + q] -= f * m[col * K + q];
      z[r] -= f * z[col];
    }
  }
  for (let r = K - 1; r >= 0; r--) {
    let s = z[r];
    for (let q = r + 1; q < K; q++) s -= m[r * K + q] * z[q];
    z[r] = s / m[r * K + r];
  }
  let sum = 0;
  for (let r = 0; r < K; r++) sum += z[r];
  if (!(Math.abs(sum) > 0) || !Number.isFinite(sum)) return false;
  for (let a = 0; a < k; a++) {
    wx[a] = 0;
    gx[a] = 0;
  }
  for (let r = 0; r < K; r++) {
    const cr = z[r] / sum;
    const o = r * d;
    for (let a = 0; a < k; a++) {
      wx[a] += cr * histW[o + a];
      gx[a] += cr * histG[o + a];
    }
  }
  if (!(objectiveOf(ca, wx, gx, k, v, alpha) < objective)) return false;
  for (let a = 0; a < k; a++) {
    wa[a] = wx[a];
    ga[a] = gx[a];
  }
  return true;
}
