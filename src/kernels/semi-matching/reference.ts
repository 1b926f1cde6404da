// The living definition of semi-matching (contract: ./contract.ts): one scan of the matrix.
import type { SemiMatching } from './contract.js';

export function semiMatching(similarity: Float64Array, rows: number, cols: number): SemiMatching {
  if (similarity.length !== rows * cols) throw new Error(`similarity has ${similarity.length} entries, expected ${rows} x ${cols}`);
  const rowPartner = new Int32Array(rows).fill(-1);
  const rowValue = new Float64Array(rows).fill(-Infinity);
  const colPartner = new Int32Array(cols).fill(-1);
  const colValue = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = similarity[base + j];
      // Strict '>' keeps the first (lowest-index) maximum; NaN compares false and is skipped.
      if (v > rowValue[i]) {
        rowValue[i] = v;
        rowPartner[i] = j;
      }
      if (v > colValue[j]) {
        colValue[j] = v;
        colPartner[j] = i;
      }
    }
  }
  for (let i = 0; i < rows; i++) if (rowPartner[i] < 0) rowValue[i] = NaN;
  for (let j = 0; j < cols; j++) if (colPartner[j] < 0) colValue[j] = NaN;
  return { rowPartner, rowValue, colPartner, colValue };
}
