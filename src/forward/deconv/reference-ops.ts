// The deconvnet's heavy steps in float64, plain loops: the definition the WASM ops are tested
// against (test/forward/deconv/). Zero signals are skipped, so a view that starts from one unit
// at one position costs what its receptive field costs, not the whole layer.
import type { ConvTransposeCall, DeconvOps, DenseTransposeCall } from './ops.js';
import { tapRange, windowGeometry } from './windows.js';

/**
 * x[g*Cg + c, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw] += w[m, c, ky, kx] * s[m, oy, ox] for m in
 * group g: the adjoint of ONNX Conv (cross-correlation) with respect to its input.
 */
export function convTransposeReference(call: ConvTransposeCall, s: Float64Array): Float64Array {
  const { step, weights: w } = call;
  const { C, H, W, M, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl } = windowGeometry(step, call.inShape, call.outShape);
  const Cg = C / step.group;
  const Mg = M / step.group;
  const x = new Float64Array(C * H * W);
  for (let m = 0; m < M; m++) {
    const g = Math.floor(m / Mg);
    for (let oy = 0; oy < OH; oy++) {
      const [ky0, ky1] = tapRange(oy, sh, pt, KH, dh, H);
      for (let ox = 0; ox < OW; ox++) {
        const v = s[(m * OH + oy) * OW + ox];
        if (v === 0) continue;
        const [kx0, kx1] = tapRange(ox, sw, pl, KW, dw, W);
        for (let c = 0; c < Cg; c++) {
          const taps = (m * Cg + c) * KH * KW;
          for (let ky = ky0; ky <= ky1; ky++) {
            const row = ((g * Cg + c) * H + oy * sh - pt + ky * dh) * W + ox * sw - pl;
            for (let kx = kx0; kx <= kx1; kx++) x[row + kx * dw] += w[taps + ky * KW + kx] * v;
          }
        }
      }
    }
  }
  return x;
}

/** a[k] = alpha * sum_m s[m] op(B)[k, m]. */
export function denseTransposeReference(call: DenseTransposeCall, s: Float64Array): Float64Array {
  const { weights: b, K, M, transB, alpha } = call;
  const a = new Float64Array(K);
  for (let m = 0; m < M; m++) {
    const v = s[m];
    if (v === 0) continue;
    // op(B)[k, m] = B[m, k] (transB, B is M x K) or B[k, m] (B is K x M).
    if (transB) for (let k = 0, row = m * K; k < K; k++) a[k] += alpha * b[row + k] * v;
    else for (let k = 0; k < K; k++) a[k] += alpha * b[k * M + m] * v;
  }
  return a;
}

export function unpoolReference(s: Float64Array, switches: Int32Array, inputSize: number): Float64Array {
  const x = new Float64Array(inputSize);
  for (let o = 0; o < s.length; o++) if (switches[o] >= 0) x[switches[o]] += s[o];
  return x;
}

export function reluReference(s: Float64Array): Float64Array {
  for (let i = 0; i < s.length; i++) if (!(s[i] > 0)) s[i] = 0;
  return s;
}

export const referenceDeconvOps: DeconvOps = {
  name: 'reference (float64)',
  convTranspose: convTransposeReference,
  denseTranspose: denseTransposeReference,
  unpool: unpoolReference,
  relu: reluReference,
  dispose() {},
};
