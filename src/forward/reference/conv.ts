// 2-D convolution (ONNX Conv, i.e. cross-correlation) on NCHW float32 tensors: the reference the
// WASM and WebGPU convolutions are tested against. Sums run in float64; the result is rounded
// to float32 once.
import { checkInts, checkTensor, output, type RefTensor, windowOutputSize } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface Conv2dParams {
  /** Channel groups: C and M are both divisible by it (depthwise: group = C). */
  group: number;
  strides: [sh: number, sw: number];
  /** top, left, bottom, right: zeros around the input (auto_pad already resolved). */
  pads: [pt: number, pl: number, pb: number, pr: number];
  dilations: [dh: number, dw: number];
  /** Optional check: must equal the weights' (kh, kw) when given (a ConvStep carries it). */
  kernel?: [kh: number, kw: number];
}

/** Output shape (N, M, OH, OW) of conv2d; throws when the operands do not fit together. */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], p: Conv2dParams): number[] {
  const what = 'conv2d';
  if (xShape.length !== 4 || wShape.length !== 4) throw new Error(`${what}: x ${formatShape(xShape)} and w ${formatShape(wShape)} must both be 4-D (NCHW, MCkk)`);
  const [N, C, H, W] = xShape;
  const [M, Cg, KH, KW] = wShape;
  checkInts(what, 'group', [p.group], 1);
  checkInts(what, 'strides', p.strides, 1);
  checkInts(what, 'dilations', p.dilations, 1);
  checkInts(what, 'pads', p.pads, 0);
  if (C % p.group !== 0 || M % p.group !== 0) throw new Error(`${what}: group ${p.group} does not divide the ${C} input and ${M} output channels`);
  if (Cg !== C / p.group) throw new Error(`${what}: w ${formatShape(wShape)} has ${Cg} channels per group, x ${formatShape(xShape)} with group ${p.group} has ${C / p.group}`);
  if (p.kernel && (p.kernel[0] !== KH || p.kernel[1] !== KW)) throw new Error(`${what}: kernel [${p.kernel.join(', ')}] but w has shape ${formatShape(wShape)}`);
  const OH = windowOutputSize(H, KH, p.strides[0], p.pads[0], p.pads[2], p.dilations[0]);
  const OW = windowOutputSize(W, KW, p.strides[1], p.pads[1], p.pads[3], p.dilations[1]);
  if (OH < 1 || OW < 1) throw new Error(`${what}: the ${KH}x${KW} kernel (dilations ${p.dilations.join(', ')}) does not fit the padded ${H}x${W} input`);
  return [N, M, OH, OW];
}

/**
 * y[n, m, oy, ox] = bias[m] + sum over c in m's group, ky, kx of
 *   w[m, c, ky, kx] * x[n, g*C/group + c, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw]
 * with x = 0 outside the input. x: (N, C, H, W); w: (M, C/group, KH, KW); bias: M values or none.
 * Writes into `out` when given (it must hold N*M*OH*OW values).
 */
export function conv2d(x: RefTensor, w: RefTensor, bias: Float32Array | undefined, p: Conv2dParams, out?: Float32Array): RefTensor {
  checkTensor('conv2d x', x);
  checkTensor('conv2d w', w);
  const shape = conv2dOutputShape(x.shape, w.shape, p);
  const [N, C, H, W] = x.shape;
  const [M, Cg, KH, KW] = w.shape;
  const [, , OH, OW] = shape;
  if (bias && bias.length !== M) throw new Error(`conv2d: bias has ${bias.length} values for ${M} output channels`);
  const y = output('conv2d', shape, out);
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl] = p.pads;
  // For each kernel tap, the output rows / columns whose input position lies inside the input:
  // 0 <= o*s - pad + k*d < size. Padding then needs no test in the inner loop.
  const range = (K: number, O: number, size: number, s: number, pad: number, d: number) => {
    const lo = new Int32Array(K);
    const hi = new Int32Array(K);
    for (let k = 0; k < K; k++) {
      lo[k] = Math.max(0, Math.ceil((pad - k * d) / s));
      hi[k] = Math.min(O - 1, Math.floor((size - 1 + pad - k * d) / s));
    }
    return [lo, hi];
  };
  const [oyLo, oyHi] = range(KH, OH, H, sh, pt, dh);
  const [oxLo, oxHi] = range(KW, OW, W, sw, pl, dw);
  const Mg = M / p.group;
  const xd = x.data;
  const wd = w.data;
  const acc = new Float64Array(OH * OW);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      acc.fill(bias ? bias[m] : 0);
      for (let c = 0; c < Cg; c++) {
        const xPlane = (n * C + g * Cg + c) * H * W;
        const wTaps = (m * Cg + c) * KH * KW;
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const wv = wd[wTaps + ky * KW + kx];
            const x0 = oxLo[kx];
            const x1 = oxHi[kx];
            for (let oy = oyLo[ky]; oy <= oyHi[ky]; oy++) {
              const xRow = xPlane + (oy * sh - pt + ky * dh) * W - pl + kx * dw;
              const aRow = oy * OW;
              for (let ox = x0; ox <= x1; ox++) acc[aRow + ox] += wv * xd[xRow + ox * sw];
            }
          }
        }
      }
      y.data.set(acc, (n * M + m) * OH * OW);
    }
  }
  return y;
}
