// What the clustering steps will cost at a pair's size, said before a long one starts (issue 15:
// at fc6 a pair's joint matrix has 8,192 units). Rates measured on this project's development
// machine (2 cores, one thread, load about 1; bench/methods-at-scale.ts): enough to tell seconds
// from hours, not a promise.
import { usesPartialSolver } from './affinity.js';

/** Multiply-adds per second of the block Lanczos products (WASM SIMD, src/kernels/eigen/block-product.ts; a third of it under load). */
const PRODUCT_RATE = 1.5e9;
/** Seconds per n^3 of the full WASM eigensolver (36 s at n = 4096). */
const FULL_EIGEN_PER_CUBE = 5.2e-10;
/** Seconds per n^2 of average-linkage HAC by nearest-neighbour chain (5.6 s at n = 16,384 idle, 33 s at load 6). */
const LINKAGE_PER_SQUARE = 2.2e-8;
/** Below this estimate a step is not announced. */
export const LONG_SECONDS = 10;

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

function duration(seconds: number): string {
  return seconds < 120 ? `${Math.ceil(seconds)} s` : seconds < 7200 ? `${Math.ceil(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** Estimated seconds of the `count` smallest eigenpairs of an n-unit normalised Laplacian. */
export function spectrumSeconds(n: number, count: number): number {
  if (usesPartialSolver(n, count)) {
    // The Krylov basis typically reaches 5-8 times the pairs wanted (at least a few blocks).
    const dimension = Math.max(128, 8 * count);
    return (n * n * dimension) / PRODUCT_RATE;
  }
  return FULL_EIGEN_PER_CUBE * n ** 3;
}

/** The line logged before a pair's spectrum, or null when it will be quick. */
export function spectrumCostNote(label: string, n: number, count: number, why: string): string | null {
  const seconds = spectrumSeconds(n, count);
  if (seconds < LONG_SECONDS) return null;
  const partial = usesPartialSolver(n, count);
  const how = partial ? `the ${count} smallest eigenpairs by block Lanczos` : 'the full eigen-decomposition';
  // The joint matrix, the affinity, and the full solver's WASM copy and work area.
  const bytes = 8 * n * n * (partial ? 2 : 6);
  return `${label}: ${n} live units, ${why}: ${how} of the normalised Laplacian, about ${duration(seconds)} and ${gib(bytes)}`;
}

/** The line logged before a pair's average linkage, or null when it will be quick. */
export function linkageCostNote(label: string, n: number): string | null {
  const seconds = LINKAGE_PER_SQUARE * n * n;
  if (seconds < LONG_SECONDS / 5) return null;
  return `${label}: average linkage of ${n} live units, about ${duration(seconds)} and ${gib(8 * n * n)}`;
}
