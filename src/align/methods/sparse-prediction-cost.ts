// What one direction of sparse prediction will cost, said before a long one starts (issue 15: at
// fc6, 4,096 targets x 4,096 predictors take hours on one thread). An order of magnitude from
// measurements on the development machine (2 cores shared with other work, src/kernels/lasso in
// WASM, 5 penalties, tol 1e-4, bench/methods-at-scale.ts's data): with more samples than
// predictors 10 ms per target at 384 predictors and 13 s (load 3) to 32 s (load 9) at 4,096 with
// 5,000 samples, taken as 13 s and about d^3; with no more samples than predictors (G singular)
// 0.25 s (load 3) to 1.9 s (load 12) per target at 4,096 predictors and 300 samples, taken as
// 0.7 s and about d samples^1.5. Not a promise: the data decide.
import { plural } from '../../util/plural.js';

/** Below this estimate a direction is not announced. */
const LONG_SECONDS = 10;

/** Estimated seconds of one target's path (see the header). */
export function lassoSecondsPerTarget(d: number, samples: number): number {
  if (samples <= d) return 3.2e-8 * d * samples ** 1.5;
  return 1.9e-10 * d ** 3;
}

function duration(seconds: number): string {
  return seconds < 120 ? `${Math.ceil(seconds)} s` : seconds < 7200 ? `${Math.ceil(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** The line logged before a direction, or null when it will be quick. */
export function lassoCostNote(label: string, d: number, t: number, samples: number, penalties: number, threads: number): string | null {
  const seconds = (lassoSecondsPerTarget(d, samples) * t) / Math.max(1, threads);
  if (seconds < LONG_SECONDS) return null;
  const singular = samples <= d ? `; ${samples} samples for ${d} predictors: G is singular` : '';
  return `${label}: ${plural(t, 'target')} x ${plural(d, 'predictor')} x ${plural(penalties, 'penalty', 'penalties')} on ${plural(threads, 'thread')}, about ${duration(seconds)} (an estimate${singular})`;
}
