// The state of the coordinate descent for one target (reused across targets), and the small
// questions the solver's steps ask of it.

import { FactorSet } from './cholesky.js';
import { ANDERSON_K } from './contract.js';

/** Scratch space of lassoTargetPath, reusable across targets (one per thread of work). */
export class LassoWork {
  readonly w: Float64Array;
  readonly g: Float64Array;
  readonly inA: Uint8Array;
  readonly act: Int32Array;
  readonly merged: Int32Array;
  /** Compact Gram of the active set, k x k with row stride k. */
  readonly gaa: Float64Array;
  readonly diag: Float64Array;
  readonly ca: Float64Array;
  readonly wa: Float64Array;
  readonly ga: Float64Array;
  /** Anderson history: K + 1 iterates of wa and ga (row stride d). */
  readonly histW: Float64Array;
  readonly histG: Float64Array;
  readonly andU: Float64Array;
  readonly andM: Float64Array;
  readonly andZ: Float64Array;
  readonly wx: Float64Array;
  readonly gx: Float64Array;
  /** Newton: support (compact positions), right-hand side / solution, scatter buffers. */
  readonly sup: Int32Array;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly full: Float64Array;
  readonly inE: Uint8Array;
  readonly factor: FactorSet;
  /** Complement-mode solves (complement.ts): y = G^-1 b~ for b~ = hb, and its updates since fresh. */
  readonly hy: Float64Array;
  readonly hb: Float64Array;
  hyFresh = false;
  hyUpdates = 0;

  constructor(readonly d: number) {
    const K = ANDERSON_K;
    this.w = new Float64Array(d);
    this.g = new Float64Array(d);
    this.inA = new Uint8Array(d);
    this.act = new Int32Array(d);
    this.merged = new Int32Array(d);
    this.gaa = new Float64Array(d * d);
    this.diag = new Float64Array(d);
    this.ca = new Float64Array(d);
    this.wa = new Float64Array(d);
    this.ga = new Float64Array(d);
    this.histW = new Float64Array((K + 1) * d);
    this.histG = new Float64Array((K + 1) * d);
    this.andU = new Float64Array(K * d);
    this.andM = new Float64Array(K * K);
    this.andZ = new Float64Array(K);
    this.wx = new Float64Array(d);
    this.gx = new Float64Array(d);
    this.sup = new Int32Array(d);
    this.xs = new Float64Array(d);
    this.ys = new Float64Array(d);
    this.full = new Float64Array(d);
    this.inE = new Uint8Array(d);
    this.factor = new FactorSet(d);
    this.hy = new Float64Array(d);
    this.hb = new Float64Array(d);
  }
}

/**
 * The duality gap of coefficients w with gradient g = c - G w over n entries (the full problem, or
 * the active set's compact copies), cross-moments c and second moment v: out[0] the gap, out[1] the
 * objective, out[2] the residual v - c'w - w'g (formulas in reference.ts's header).
 */
export function gapOf(c: Float64Array, w: Float64Array, g: Float64Array, n: number, v: number, alpha: number, out: Float64Array): void {
  let cw = 0;
  let wg = 0;
  let l1 = 0;
  let dn = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    cw += c[i] * wi;
    wg += wi * g[i];
    l1 += Math.abs(wi);
    const x = Math.abs(g[i]);
    if (x > dn) dn = x;
  }
  const residual = v - cw - wg;
  const s = dn > alpha ? alpha / dn : 1;
  out[0] = 0.5 * residual * (1 + s * s) + alpha * l1 - s * (v - cw);
  out[1] = 0.5 * residual + alpha * l1;
  out[2] = residual;
}

const objectiveScratch = new Float64Array(3);

/** Objective of (wx, gx) on the active set. */
export function objectiveOf(ca: Float64Array, wx: Float64Array, gx: Float64Array, k: number, v: number, alpha: number): number {
  gapOf(ca, wx, gx, k, v, alpha, objectiveScratch);
  return objectiveScratch[1];
}

/** Compact position of global index i in the active set (act is ascending): binary search. */
export function posInActive(work: LassoWork, k: number, i: number): number {
  const act = work.act;
  let lo = 0;
  let hi = k - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (act[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
