// Bias helpers shared by the conv and fully connected training kernels.

// y[r][j] += b[j] for `rows` rows of `cols` values (fully connected: a row per sample).
export function addBiasRows(y: usize, b: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = y + ((<usize>r * <usize>cols) << 2);
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(b + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(b + o));
    }
  }
}

// y[m][p] += b[m] for `planes` planes of `size` values (conv: a plane per output channel).
export function addBiasPlanes(y: usize, b: usize, planes: i32, size: i32): void {
  const s4 = size & ~3;
  for (let m = 0; m < planes; m++) {
    const plane = y + ((<usize>m * <usize>size) << 2);
    const bv = load<f32>(b + (<usize>m << 2));
    const v = f32x4.splat(bv);
    let p = 0;
    for (; p < s4; p += 4) {
      const o = <usize>p << 2;
      v128.store(plane + o, f32x4.add(v128.load(plane + o), v));
    }
    for (; p < size; p++) {
      const o = <usize>p << 2;
      store<f32>(plane + o, load<f32>(plane + o) + bv);
    }
  }
}

// The sum of `count` floats: four lanes accumulate in order, then lanes 0 + 1 + 2 + 3, then the
// tail; a fixed order, so the result depends only on the data.
export function sumFloats(x: usize, count: i32): f32 {
  const c4 = count & ~3;
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i < c4; i += 4) acc = f32x4.add(acc, v128.load(x + (<usize>i << 2)));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < count; i++) s += load<f32>(x + (<usize>i << 2));
  return s;
}

// dst[j] (+)= sum over rows r of x[r][j]: the column sums of a rows x cols matrix, rows in order.
export function columnSums(x: usize, rows: i32, cols: i32, dst: usize, accumulate: bool): void {
  if (!accumulate) memory.fill(dst, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) addBiasRows(dst, x + ((<usize>r * <usize>cols) << 2), 1, cols);
}
