// Softmax over the middle axis of x viewed as (outer, axis, inner): the planner has already
// turned ONNX's axis rules (opset < 13 flattens to 2-D, opset >= 13 one axis) into this view.
// The maximum along the axis is subtracted before exp, so large logits do not overflow.
import { checkTensor, output, type RefTensor } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface SoftmaxView {
  outer: number;
  axis: number;
  inner: number;
}

export function softmax(x: RefTensor, v: SoftmaxView, out?: Float32Array): RefTensor {
  checkTensor('softmax x', x);
  const { outer, axis, inner } = v;
  if (outer * axis * inner !== x.data.length) {
    throw new Error(`softmax: view (${outer}, ${axis}, ${inner}) does not cover x ${formatShape(x.shape)} (${x.data.length} values)`);
  }
  const y = output('softmax', x.shape.slice(), out);
  const xd = x.data;
  const yd = y.data;
  // Per outer index, the inner columns are reduced together: contiguous reads whatever inner is.
  const max = new Float64Array(inner);
  const sum = new Float64Array(inner);
  const e = new Float64Array(axis * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * axis * inner;
    max.fill(-Infinity);
    sum.fill(0);
    for (let a = 0; a < axis; a++) {
      for (let i = 0; i < inner; i++) if (xd[base + a * inner + i] > max[i]) max[i] = xd[base + a * inner + i];
    }
    for (let a = 0; a < axis; a++) {
      for (let i = 0; i < inner; i++) {
        const ex = Math.exp(xd[base + a * inner + i] - max[i]);
        e[a * inner + i] = ex;
        sum[i] += ex;
      }
    }
    for (let a = 0; a < axis; a++) for (let i = 0; i < inner; i++) yd[base + a * inner + i] = e[a * inner + i] / sum[i];
  }
  return y;
}
