// Semi-matching twin of src/kernels/semi-matching/reference.ts: for a rows x cols similarity
// matrix (f64, row-major) the maximum of every row and of every column and where it is.
// NaN entries (dead units) are never chosen: `v > best` is false for NaN. Ties keep the lower
// index: rows are scanned in order and only a strictly greater value replaces the best.
// Column maxima are updated two columns at a time with f64x2 compares and bit-selects.

export function semiMatch(sim: usize, rows: i32, cols: i32, rowPartner: usize, rowValue: usize, colPartner: usize, colValue: usize): void {
  const negInf = -Infinity;
  for (let j = 0; j < cols; j++) {
    store<f64>(colValue + (<usize>j << 3), negInf);
    store<i64>(colPartner + (<usize>j << 3), -1);
  }
  const pairs = cols & ~1;
  for (let i = 0; i < rows; i++) {
    const row = sim + ((<usize>i * <usize>cols) << 3);
    let best = negInf;
    let bestAt = -1;
    const rowIndex = i64x2.splat(<i64>i);
    for (let j = 0; j < pairs; j += 2) {
      const off = <usize>j << 3;
      const v = v128.load(row + off);
      const cv = v128.load(colValue + off);
      const greater = f64x2.gt(v, cv);
      v128.store(colValue + off, v128.bitselect(v, cv, greater));
      v128.store(colPartner + off, v128.bitselect(rowIndex, v128.load(colPartner + off), greater));
      const v0 = f64x2.extract_lane(v, 0);
      const v1 = f64x2.extract_lane(v, 1);
      if (v0 > best) {
        best = v0;
        bestAt = j;
      }
      if (v1 > best) {
        best = v1;
        bestAt = j + 1;
      }
    }
    for (let j = pairs; j < cols; j++) {
      const off = <usize>j << 3;
      const v = load<f64>(row + off);
      if (v > load<f64>(colValue + off)) {
        store<f64>(colValue + off, v);
        store<i64>(colPartner + off, <i64>i);
      }
      if (v > best) {
        best = v;
        bestAt = j;
      }
    }
    store<f64>(rowValue + (<usize>i << 3), bestAt < 0 ? NaN : best);
    store<i64>(rowPartner + (<usize>i << 3), <i64>bestAt);
  }
  for (let j = 0; j < cols; j++) {
    if (load<i64>(colPartner + (<usize>j << 3)) < 0) store<f64>(colValue + (<usize>j << 3), NaN);
  }
}
