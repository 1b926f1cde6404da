// The delete-one-block jackknife (Quenouille 1956, Tukey 1958; Efron & Stein 1981): with theta_j
// the statistic computed without block j of B, and theta_. their mean,
//   se = sqrt((B - 1) / B * sum_j (theta_j - theta_.)^2),
// and the 95% interval theta +- t(0.975, B - 1) * se around the estimate from all the data. Blocks
// are contiguous runs of images (src/probe/blocks.ts), so the positions of one image, which are
// not independent, always leave together.
import { studentTQuantile } from './student-t.js';

export const INTERVAL_LEVEL = 0.95;

export interface Interval {
  se: number | null;
  lo: number | null;
  hi: number | null;
  /** Why the interval is missing (null se), when it is. */
  reason?: string;
}

/** The jackknife standard error and interval of `estimate` from its leave-one-block-out values. */
export function jackknifeInterval(estimate: number | null, leaveOneOut: (number | null)[], level = INTERVAL_LEVEL): Interval {
  const b = leaveOneOut.length;
  if (estimate === null) return { se: null, lo: null, hi: null, reason: 'no estimate' };
  if (b < 2) return { se: null, lo: null, hi: null, reason: `${b} block with data; the jackknife needs at least 2` };
  const missing = leaveOneOut.findIndex((v) => v === null || !Number.isFinite(v));
  if (missing >= 0) return { se: null, lo: null, hi: null, reason: `undefined without block ${missing}` };
  const values = leaveOneOut as number[];
  const mean = values.reduce((s, v) => s + v, 0) / b;
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  const se = Math.sqrt(((b - 1) / b) * ss);
  const t = studentTQuantile(0.5 + level / 2, b - 1);
  return { se, lo: estimate - t * se, hi: estimate + t * se };
}
