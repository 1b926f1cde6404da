// Host side of the WASM semi-matching twin (assembly/semi-matching.ts); same contract as
// reference.ts. Partners come back as i64 (one lane of an f64x2 select) and are narrowed here.
import { SharedWasmInstance } from '../wasm-module.js';
import type { SemiMatching } from './contract.js';

const shared = new SharedWasmInstance();

export async function semiMatchingWasm(similarity: Float64Array, rows: number, cols: number): Promise<SemiMatching> {
  if (similarity.length !== rows * cols) throw new Error(`similarity has ${similarity.length} entries, expected ${rows} x ${cols}`);
  const w = await shared.get();
  const [sim, rp, rv, cp, cv] = w.layout([rows * cols * 8, rows * 8, rows * 8, cols * 8, cols * 8], `semi-matching of ${rows} x ${cols}`);
  w.f64(sim, rows * cols).set(similarity);
  w.exports.semiMatch(sim, rows, cols, rp, rv, cp, cv);
  const narrow = (offset: number, n: number) => {
    const wide = new BigInt64Array(w.memory.buffer, offset, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(wide[i]);
    return out;
  };
  return {
    rowPartner: narrow(rp, rows),
    rowValue: w.f64(rv, rows).slice(),
    colPartner: narrow(cp, cols),
    colValue: w.f64(cv, cols).slice(),
  };
}
