// Semi-matching (Li et al. 2016, sec. 3): every unit takes its most similar unit of the other net,
// so several units may share a partner. Both directions in one pass over the matrix.
// NaN entries (a dead unit on either side) are never chosen; ties go to the lower index.

export interface SemiMatching {
  /** For each row, the column of its maximum (-1 if the row has no finite entry). */
  rowPartner: Int32Array;
  rowValue: Float64Array;
  /** For each column, the row of its maximum (-1 if none). */
  colPartner: Int32Array;
  colValue: Float64Array;
}

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
