// The duality gap of any LASSO solution, from scratch: the certificate tests and callers check.

/**
 * The duality gap, residual and objective of w (length d) for one target, computed from scratch:
 * an independent certificate of any solution (see the header for the formulas).
 */
export function lassoGap(
  gram: Float64Array,
  d: number,
  c: ArrayLike<number>,
  v: number,
  w: ArrayLike<number>,
  alpha: number,
): { gap: number; residual: number; dualNorm: number; objective: number } {
  let cw = 0;
  let wgw = 0;
  let l1 = 0;
  let dualNorm = 0;
  for (let i = 0; i < d; i++) {
    let gw = 0;
    for (let k = 0; k < d; k++) gw += gram[i * d + k] * w[k];
    const g = c[i] - gw;
    dualNorm = Math.max(dualNorm, Math.abs(g));
    cw += c[i] * w[i];
    wgw += w[i] * gw;
    l1 += Math.abs(w[i]);
  }
  const residual = v - 2 * cw + wgw;
  const s = dualNorm > alpha ? alpha / dualNorm : 1;
  const gap = 0.5 * residual * (1 + s * s) + alpha * l1 - s * (v - cw);
  return { gap, residual, dualNorm, objective: 0.5 * residual + alpha * l1 };
}
