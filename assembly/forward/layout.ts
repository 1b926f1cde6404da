// Data movement for the forward pass, the WASM twins of src/forward/reference/layout.ts: block
// copies (Concat), strided gathers (Transpose, and broadcasting a Gemm's C to the output shape)
// and Pad from per-axis index maps built by the host.

// count blocks of `bytes` bytes: block i from src + i*srcStride to dst + i*dstStride (Concat: each
// input is (outer, size_k * inner) rows copied into its slab of the output rows).
export function copyBlocks(src: usize, dst: usize, count: i32, srcStride: i32, dstStride: i32, bytes: i32): void {
  for (let i = 0; i < count; i++) memory.copy(dst + <usize>i * <usize>dstStride, src + <usize>i * <usize>srcStride, <usize>bytes);
}

// y (dense, `rank` axes of sizes dims[]) [i0, i1, ...] = x[sum of i_k * strides[k]] (element
// strides, i32 arrays at dims / strides; 0 repeats along an axis). Rank at most 8 (host checks).
export function gather(x: usize, y: usize, rank: i32, dims: usize, strides: usize): void {
  if (rank == 0) {
    store<f32>(y, load<f32>(x));
    return;
  }
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(dims + last);
  const step = load<i32>(strides + last);
  if (inner == 0) return;
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= load<i32>(dims + (<usize>d << 2));
  const idx = memory.data(32, 16);
  memory.fill(idx, 0, 32);
  const stepB = <usize>step << 2;
  let off = 0;
  let out = y;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>off << 2);
    if (step == 1) memory.copy(out, row, <usize>inner << 2);
    else if (step == 0) {
      const v = load<f32>(row);
      const vv = f32x4.splat(v);
      let j = 0;
      for (; j + 4 <= inner; j += 4) v128.store(out + (<usize>j << 2), vv);
      for (; j < inner; j++) store<f32>(out + (<usize>j << 2), v);
    } else {
      let p = row;
      for (let j = 0; j < inner; j++) {
        store<f32>(out + (<usize>j << 2), load<f32>(p));
        p += stepB;
      }
    }
    out += <usize>inner << 2;
    for (let d = rank - 2; d >= 0; d--) {
      const dp = <usize>d << 2;
      const i = load<i32>(idx + dp) + 1;
      const n = load<i32>(dims + dp);
      const s = load<i32>(strides + dp);
      if (i < n) {
        store<i32>(idx + dp, i);
        off += s;
        break;
      }
      store<i32>(idx + dp, 0);
      off -= s * (n - 1);
    }
  }
}

// Pad: y has `rank` axes of sizes dims[]; maps (i32) holds, axis after axis, for each output
// index along that axis the element offset it reads in x (index times x's stride), or -1 for
// the constant `value`. The offset of an element is the sum over its axes.
export function pad(x: usize, y: usize, rank: i32, dims: usize, maps: usize, value: f32): void {
  if (rank == 0) {
    store<f32>(y, load<f32>(x));
    return;
  }
  // Start of each axis's map.
  const starts = memory.data(32, 16);
  const idx = memory.data(32, 16);
  let at = maps;
  for (let d = 0; d < rank; d++) {
    store<usize>(starts + (<usize>d << 2), at);
    at += <usize>load<i32>(dims + (<usize>d << 2)) << 2;
  }
  memory.fill(idx, 0, 32);
  const inner = load<i32>(dims + (<usize>(rank - 1) << 2));
  const lastMap = load<usize>(starts + (<usize>(rank - 1) << 2));
  if (inner == 0) return;
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= load<i32>(dims + (<usize>d << 2));
  let out = y;
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (let d = 0; d < rank - 1 && off >= 0; d++) {
      const m = load<i32>(load<usize>(starts + (<usize>d << 2)) + (<usize>load<i32>(idx + (<usize>d << 2)) << 2));
      off = m < 0 ? -1 : off + m;
    }
    if (off < 0) {
      for (let j = 0; j < inner; j++) store<f32>(out + (<usize>j << 2), value);
    } else {
      const row = x + (<usize>off << 2);
      for (let j = 0; j < inner; j++) {
        const m = load<i32>(lastMap + (<usize>j << 2));
        store<f32>(out + (<usize>j << 2), m < 0 ? value : load<f32>(row + (<usize>m << 2)));
      }
    }
    out += <usize>inner << 2;
    for (let d = rank - 2; d >= 0; d--) {
      const dp = <usize>d << 2;
      const i = load<i32>(idx + dp) + 1;
      if (i < load<i32>(dims + dp)) {
        store<i32>(idx + dp, i);
        break;
      }
      store<i32>(idx + dp, 0);
    }
  }
}
