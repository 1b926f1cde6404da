// What one direction of sparse prediction will cost, said before a long one starts (issue 15: at
// fc6, 4,096 targets x 4,096 predictors take days on one thread). An order of magnitude from
// measurements on the development machine (2 cores, src/kernels/lasso in WASM, 5 penalties, tol
// 1e-4, bench/methods-at-scale.ts): with more samples than predictors 10 ms per target at 384
// predictors and about 50 s at 4,096 (load 9), so about d^3; with no more samples than
// predictors (G singular: every small penalty nearly interpolates and coordinate descent crawls)
// 0.7 s per target at 512 predictors and 300 samples, 26 s at 4,096 (load 9): about d
// samples^1.5. Halved here for an idle machine. Not a promise: the data decide.
import { plural } from '../../util/plural.js';

/** Below this estimate a direction is not announced. */
const LONG_SECONDS = 10;

/** Estimated seconds of one target's path (see the header). */
export function lassoSecondsPerTarget(d: number, samples: number): number {
  if (samples <= d) return 5.6e-7 * d * samples ** 1.5;
  return 3.6e-10 * d ** 3;
}

function duration(seconds: number): string {
  return seconds < 120 ? `${Math.ceil(seconds)} s` : seconds < 7200 ? `${Math.ceil(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** The line logged before a direction, or null when it will be quick. */
export function lassoCostNote(label: string, d: number, t: number, samples: number, penalties: number, threads: number): string | null {
  const seconds = (lassoSecondsPerTarget(d, samples) * t) / Math.max(1, threads);
  if (seconds < LONG_SECONDS) return null;
  const singular = samples <= d ? `; ${samples} samples for ${d} predictors: G is singular, small penalties converge slowly` : '';
  return `${label}: ${plural(t, 'target')} x ${plural(d, 'predictor')} x ${plural(penalties, 'penalty', 'penalties')} on ${plural(threads, 'thread')}, about ${duration(seconds)} (an estimate${singular})`;
}
