// The contract of the semi-matching kernel (reference.ts: the definition; wasm.ts: its twin for
// large matrices, assembly/semi-matching.ts).
//
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
