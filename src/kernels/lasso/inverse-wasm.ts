// G^-1 for the Newton steps' complement mode, in WASM (assembly/lasso-inverse.ts): the same
// matrix as gramInverse in cholesky.ts (the definition), bit for bit, several times faster (it is
// O(d^3): minutes in plain TypeScript at 4,096 predictors). The host copies G in, runs the
// pivoted factor, stops at a singular G, runs the solves against the identity and un-pivots.
import type { WasmInstance } from '../wasm-module.js';
import { inverseFromPivoted } from './cholesky.js';
import { RANK_TOL } from './contract.js';

/** G^-1 (d x d row-major) when G has full rank (pivots above RANK_TOL), else null. */
export function gramInverseOn(w: WasmInstance, gram: Float64Array, d: number): Float64Array | null {
  if (d === 0) return null;
  const [aPtr, bPtr, permPtr] = w.layout([d * d * 8, d * d * 8, d * 4], `the inverse of a ${d} x ${d} Gram matrix`);
  w.f64(aPtr, d * d).set(gram);
  const rank = w.exports.lassoPivotedCholesky(aPtr, d, permPtr, RANK_TOL);
  if (rank < d) return null;
  const b = w.f64(bPtr, d * d);
  b.fill(0);
  for (let i = 0; i < d; i++) b[i * d + i] = 1;
  w.exports.lassoInverseSolve(aPtr, bPtr, d);
  return inverseFromPivoted(w.f64(bPtr, d * d), Int32Array.from(w.i32(permPtr, d)), d);
}
