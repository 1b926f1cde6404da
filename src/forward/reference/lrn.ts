// ONNX LRN (local response normalisation across channels, AlexNet / CaffeNet):
//   square_sum[n, c, ...] = sum of x[n, i, ...]^2 for i in [c - floor((size-1)/2), c + ceil((size-1)/2)]
//                           (clipped to the channels that exist)
//   y = x / (bias + alpha / size * square_sum) ^ beta
// In float64, rounded to float32 once.
import { checkInts, checkTensor, output, type RefTensor } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface LrnParams {
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

/** LRN over x of shape (N, C, ...). */
export function lrn(x: RefTensor, p: LrnParams, out?: Float32Array): RefTensor {
  checkTensor('lrn x', x);
  checkInts('lrn', 'size', [p.size], 1);
  if (x.shape.length < 2) throw new Error(`lrn: x ${formatShape(x.shape)} needs a channel axis (N, C, ...)`);
  const [N, C] = x.shape;
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const y = output('lrn', x.shape.slice(), out);
  const below = Math.floor((p.size - 1) / 2);
  const above = Math.ceil((p.size - 1) / 2);
  const scale = p.alpha / p.size;
  const sq = new Float64Array(C * S);
  const sum = new Float64Array(S);
  for (let n = 0; n < N; n++) {
    const base = n * C * S;
    for (let i = 0; i < C * S; i++) sq[i] = x.data[base + i] * x.data[base + i];
    for (let c = 0; c < C; c++) {
      sum.fill(0);
      const lo = Math.max(0, c - below);
      const hi = Math.min(C - 1, c + above);
      for (let k = lo; k <= hi; k++) for (let s = 0; s < S; s++) sum[s] += sq[k * S + s];
      for (let s = 0; s < S; s++) {
        const i = base + c * S + s;
        y.data[i] = x.data[i] / Math.pow(p.bias + scale * sum[s], p.beta);
      }
    }
  }
  return y;
}
