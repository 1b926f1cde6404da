// Semi-matching: the WASM twin for large matrices, the reference (its definition) for small ones.
import type { SemiMatching } from './contract.js';
import { semiMatching } from './reference.js';
import { semiMatchingWasm } from './wasm.js';

export type { SemiMatching };
export { semiMatching as semiMatchingReference, semiMatchingWasm };

/** Below this many entries the call into WASM costs more than the scan. */
const WASM_MIN_ENTRIES = 4096;

export function semiMatch(similarity: Float64Array, rows: number, cols: number): Promise<SemiMatching> {
  return rows * cols >= WASM_MIN_ENTRIES ? semiMatchingWasm(similarity, rows, cols) : Promise.resolve(semiMatching(similarity, rows, cols));
}
