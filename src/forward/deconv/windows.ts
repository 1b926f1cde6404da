// Window arithmetic shared by the deconvnet's conv and pooling steps: the geometry of a conv or
// pool step on (1, C, H, W) -> (1, M, OH, OW), and for one output position the kernel taps whose
// input position o*stride - pad + k*dilation lies inside the input (a run of consecutive taps).
import type { ConvStep, PoolStep } from '../plan.js';

export interface WindowGeometry {
  C: number;
  H: number;
  W: number;
  M: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
}

export function windowGeometry(step: ConvStep | PoolStep, inShape: readonly number[], outShape: readonly number[]): WindowGeometry {
  const [, C, H, W] = inShape;
  const [, M, OH, OW] = outShape;
  const [KH, KW] = step.kernel;
  const [sh, sw] = step.strides;
  const [dh, dw] = step.dilations;
  const [pt, pl, pb, pr] = step.pads;
  return { C, H, W, M, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr };
}

/** [first, last] tap k of output o with 0 <= o*stride - pad + k*dilation < size (first > last: none). */
export function tapRange(o: number, stride: number, pad: number, kernel: number, dilation: number, size: number): [number, number] {
  const start = o * stride - pad;
  return [Math.max(0, Math.ceil(-start / dilation)), Math.min(kernel - 1, Math.floor((size - 1 - start) / dilation))];
}
