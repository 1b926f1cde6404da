// Index-space simplification for the strided WASM kernels (binary broadcasting, transpose,
// broadcast copies): axes of size 1 are dropped and neighbouring axes merged wherever every
// operand walks them as one (stride[i] == stride[i+1] * dims[i+1]), so that the kernels' inner
// loop runs over the longest possible contiguous or broadcast row: (N, C, H, W) + (C, 1, 1)
// becomes (N, C, H*W) with b's strides (0, 1, 0).

export interface MergedAxes {
  dims: number[];
  /** One stride list per operand, aligned with dims. */
  strides: number[][];
}

/** The kernels' odometers hold at most 8 leading axes. */
export const MAX_RANK = 9;

export function mergeAxes(dims: readonly number[], strides: readonly (readonly number[])[]): MergedAxes {
  const keep = dims.map((_, i) => i).filter((i) => dims[i] !== 1);
  const out: MergedAxes = { dims: [], strides: strides.map(() => []) };
  for (const i of keep) {
    const r = out.dims.length;
    const mergeable = r > 0 && strides.every((s, k) => out.strides[k][r - 1] === s[i] * dims[i]);
    if (mergeable) {
      out.dims[r - 1] *= dims[i];
      strides.forEach((s, k) => (out.strides[k][r - 1] = s[i]));
    } else {
      out.dims.push(dims[i]);
      strides.forEach((s, k) => out.strides[k].push(s[i]));
    }
  }
  if (out.dims.length === 0) {
    // A single element (every axis of size 1, or rank 0).
    out.dims.push(1);
    out.strides.forEach((s) => s.push(0));
  }
  return out;
}
