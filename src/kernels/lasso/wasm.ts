// Host side of the WASM LASSO path (assembly/lasso.ts).
//
// The host checks the input, orders the positive penalties (decreasing), computes G^-1 for the
// Newton steps' complement mode (inverse-wasm.ts: cholesky.ts's gramInverse in WASM; null when G
// is singular), lays out [gram][G^-1][cross by target][targetVar][alphas][work][outputs for a
// chunk of targets] in the instance's memory and runs the targets in chunks whose outputs stay under CHUNK_BYTES, copying
// each chunk's coefficients into the caller-order result. Alpha 0 (least squares) is solved by
// the reference code (finishPath).
import { SharedWasmInstance, type WasmInstance } from '../wasm-module.js';
import { gramInverseOn } from './inverse-wasm.js';
import { crossByTarget, emptyPathResult, finishPath, pathOrder } from './path.js';
import { type LassoOptions, type LassoPathResult, type LassoProblem, checkLassoInput } from './contract.js';

/** Outputs of one chunk of targets stay below this many bytes of WASM memory. */
const CHUNK_BYTES = 64 * 2 ** 20;

/** The process-wide WASM instance of the LASSO kernel. */
const shared = new SharedWasmInstance();

/**
 * The path on the given instance (see lassoPath in index.ts for the contract); `chunkTargets`
 * overrides the number of targets per call into WASM (tests).
 */
export function lassoPathOn(w: WasmInstance, problem: LassoProblem, alphas: readonly number[], options: LassoOptions = {}, chunkTargets?: number): LassoPathResult {
  const { tol, maxIter, newton } = checkLassoInput(problem, alphas, options);
  const { gram, d, cross, t, targetVar } = problem;
  const result = emptyPathResult(alphas, d, t);
  const order = pathOrder(alphas);
  const m = order.length;
  if (m > 0 && d > 0 && t > 0) {
    const inv = newton ? (options.gramInverse !== undefined ? options.gramInverse : gramInverseOn(w, gram, d)) : null;
    const ex = w.exports;
    const workBytes = Number(ex.lassoWorkBytes(d));
    const perTarget = m * d * 8 + m * 8 * 2 + m * 4 * 2;
    const chunk = Math.max(1, Math.min(t, chunkTargets ?? Math.floor(CHUNK_BYTES / perTarget)));
    const sizes = [d * d * 8, inv ? d * d * 8 : 0, t * d * 8, t * 8, m * 8, workBytes, chunk * m * d * 8, chunk * m * 8, chunk * m * 8, chunk * m * 4, chunk * m * 4];
    const [gramPtr, invPtr, crossPtr, varPtr, alphaPtr, workPtr, coefPtr, resPtr, gapPtr, iterPtr, newtonPtr] = w.layout(sizes, `lasso with ${d} predictors`);
    w.f64(gramPtr, d * d).set(gram);
    if (inv) w.f64(invPtr, d * d).set(inv);
    w.f64(crossPtr, t * d).set(crossByTarget(cross, d, t));
    w.f64(varPtr, t).set(targetVar);
    w.f64(alphaPtr, m).set(order.map((k) => alphas[k]));
    for (let j0 = 0; j0 < t; j0 += chunk) {
      const j1 = Math.min(t, j0 + chunk);
      ex.lassoPath(
        gramPtr, inv ? invPtr : 0, d, crossPtr, varPtr, j0, j1, alphaPtr, m, tol, maxIter, newton ? 1 : 0, workPtr,
        coefPtr, resPtr, gapPtr, iterPtr, newtonPtr,
      );
      const n = j1 - j0;
      const coef = w.f64(coefPtr, n * m * d);
      const res = w.f64(resPtr, n * m);
      const gap = w.f64(gapPtr, n * m);
      const iter = w.i32(iterPtr, n * m);
      const nwt = w.i32(newtonPtr, n * m);
      for (let jj = 0; jj < n; jj++) {
        const j = j0 + jj;
        for (let mm = 0; mm < m; mm++) {
          const k = order[mm];
          const src = (jj * m + mm) * d;
          const dst = result.coef[k];
          for (let i = 0; i < d; i++) dst[i * t + j] = coef[src + i];
          result.residual[k][j] = res[jj * m + mm];
          result.gap[k][j] = gap[jj * m + mm];
          result.iterations[k][j] = iter[jj * m + mm];
          result.newtonSteps[k][j] = nwt[jj * m + mm];
        }
      }
    }
  }
  return finishPath(problem, result, tol);
}

/** The path with the process-wide WASM instance. */
export async function lassoPathWasm(problem: LassoProblem, alphas: readonly number[], options: LassoOptions = {}): Promise<LassoPathResult> {
  return lassoPathOn(await shared.get(), problem, alphas, options);
}

/** G^-1 as gramInverse (cholesky.ts) returns it, computed in WASM on the process-wide instance. */
export async function gramInverseWasm(gram: Float64Array, d: number): Promise<Float64Array | null> {
  return gramInverseOn(await shared.get(), gram, d);
}
