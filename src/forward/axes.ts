// Index-space simplification shared by the strided kernels of every backend (binary
// broadcasting, transpose, broadcast copies, concat, the batch axes of MatMul): axes of size 1 are
// dropped and neighbouring axes merged wherever every operand walks them as one
// (stride[i] == stride[i+1] * dims[i+1]), so that the kernels' loops run over the longest
// possible contiguous or broadcast rows: (N, C, H, W) + (C, 1, 1) becomes (N, C, H*W) with b's
// strides (0, 1, 0).

export interface MergedAxes {
  dims: number[];
  /** One stride list per operand, aligned with dims. */
  strides: number[][];
}

/**
 * The merged index space of `dims` walked by operands with the given element strides. Never
 * rank 0: a single element (rank 0, or every axis of size 1) is one axis of size 1, stride 0.
 */
export function mergeAxes(dims: readonly number[], strides: readonly (readonly number[])[]): MergedAxes {
  const out: MergedAxes = { dims: [], strides: strides.map(() => []) };
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
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
    out.dims.push(1);
    out.strides.forEach((s) => s.push(0));
  }
  return out;
}
