// Max and average pooling over NCHW float32 tensors, and global average pooling, with the window
// rules of onnxruntime (measured on onnxruntime-node 1.30, and its pool_functors.h):
//   * a window has kernel taps spaced `dilations` apart starting at o*stride - padBegin;
//   * taps outside the input are skipped (max ignores them, they add nothing to a sum);
//   * average divisor: the taps inside the input (countIncludePad false), or the taps inside the
//     padded input [-padBegin, size + padEnd) (countIncludePad true). Taps past the end pad, which
//     only ceil_mode's extra windows have, never count;
//   * a window with no tap inside the input yields 0 (average) or -FLT_MAX (max), as onnxruntime.
// Sums run in float64, rounded to float32 once.
import { checkInts, checkRank, checkTensor, output, type RefTensor, windowOutputSize } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export interface Pool2dParams {
  kernel: [kh: number, kw: number];
  strides: [sh: number, sw: number];
  /** top, left, bottom, right. */
  pads: [pt: number, pl: number, pb: number, pr: number];
  dilations: [dh: number, dw: number];
  /** Average pooling only: divide by the taps inside the padded input, not just the input. */
  countIncludePad?: boolean;
  /**
   * Output (height, width). Default: ceil_mode 0. An ONNX compiler passes what ceil_mode gives
   * (see poolOutputSize); windows reaching past the padded input are clipped to it.
   */
  outputSize?: [oh: number, ow: number];
}

/** The lowest float32, what onnxruntime's MaxPool writes for a window without input taps. */
const LOWEST_FLOAT32 = -3.4028234663852886e38;

/**
 * Pooled length along one axis as onnxruntime 1.30 computes it: floor or ceil of
 * (size + pads - dilation*(kernel-1) - 1) / stride + 1, where ceil_mode drops a last window that
 * would start past the input and its begin pad (start >= size + padBegin), like PyTorch. (ONNX
 * shape inference keeps that window: the declared output shape can disagree with the runtime.)
 */
export function poolOutputSize(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceilMode: boolean): number {
  if (!ceilMode) return windowOutputSize(size, kernel, stride, padBegin, padEnd, dilation);
  let n = Math.ceil((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
  if ((n - 1) * stride >= size + padBegin) n--;
  return n;
}

function outputShape(what: string, x: RefTensor, p: Pool2dParams): number[] {
  checkTensor(`${what} x`, x);
  checkRank(`${what} x`, x, 4);
  checkInts(what, 'kernel', p.kernel, 1);
  checkInts(what, 'strides', p.strides, 1);
  checkInts(what, 'dilations', p.dilations, 1);
  checkInts(what, 'pads', p.pads, 0);
  const [N, C, H, W] = x.shape;
  const [OH, OW] = p.outputSize ?? [
    windowOutputSize(H, p.kernel[0], p.strides[0], p.pads[0], p.pads[2], p.dilations[0]),
    windowOutputSize(W, p.kernel[1], p.strides[1], p.pads[1], p.pads[3], p.dilations[1]),
  ];
  if (!(OH >= 1 && OW >= 1) || !Number.isInteger(OH) || !Number.isInteger(OW)) {
    throw new Error(`${what}: output ${OH}x${OW} from input ${formatShape(x.shape)} with kernel ${p.kernel.join('x')}, pads [${p.pads.join(', ')}]`);
  }
  return [N, C, OH, OW];
}

/**
 * Per output position along one axis: the first input index, the count of taps inside the input
 * (they are consecutive taps: first..first+(count-1)*dilation) and the count of taps inside the
 * padded input (the countIncludePad divisor).
 */
function axisWindows(O: number, size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number) {
  const first = new Int32Array(O);
  const inside = new Int32Array(O);
  const padded = new Int32Array(O);
  for (let o = 0; o < O; o++) {
    const start = o * stride - padBegin;
    let f = -1;
    let n = 0;
    let np = 0;
    for (let k = 0; k < kernel; k++) {
      const i = start + k * dilation;
      if (i >= 0 && i < size) {
        if (f < 0) f = i;
        n++;
      }
      if (i >= -padBegin && i < size + padEnd) np++;
    }
    first[o] = Math.max(f, 0);
    inside[o] = n;
    padded[o] = np;
  }
  return { first, inside, padded };
}

function pool2d(kind: 'max' | 'avg', x: RefTensor, p: Pool2dParams, out?: Float32Array): RefTensor {
  const what = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
  const shape = outputShape(what, x, p);
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = shape;
  const y = output(what, shape, out);
  const [dh, dw] = p.dilations;
  const rows = axisWindows(OH, H, p.kernel[0], p.strides[0], p.pads[0], p.pads[2], dh);
  const cols = axisWindows(OW, W, p.kernel[1], p.strides[1], p.pads[1], p.pads[3], dw);
  const xd = x.data;
  const yd = y.data;
  for (let plane = 0; plane < N * C; plane++) {
    const xp = plane * H * W;
    const yp = plane * OH * OW;
    for (let oy = 0; oy < OH; oy++) {
      const nh = rows.inside[oy];
      const r0 = xp + rows.first[oy] * W;
      for (let ox = 0; ox < OW; ox++) {
        const nw = cols.inside[ox];
        const c0 = cols.first[ox];
        let v: number;
        if (nh === 0 || nw === 0) {
          v = kind === 'max' ? LOWEST_FLOAT32 : 0;
        } else if (kind === 'max') {
          v = -Infinity;
          for (let a = 0; a < nh; a++) {
            const r = r0 + a * dh * W + c0;
            for (let b = 0; b < nw; b++) if (xd[r + b * dw] > v) v = xd[r + b * dw];
          }
        } else {
          let s = 0;
          for (let a = 0; a < nh; a++) {
            const r = r0 + a * dh * W + c0;
            for (let b = 0; b < nw; b++) s += xd[r + b * dw];
          }
          v = s / (p.countIncludePad ? rows.padded[oy] * cols.padded[ox] : nh * nw);
        }
        yd[yp + oy * OW + ox] = v;
      }
    }
  }
  return y;
}

/** ONNX MaxPool (NCHW): the largest input tap of each window (see the file comment). */
export function maxPool2d(x: RefTensor, p: Pool2dParams, out?: Float32Array): RefTensor {
  return pool2d('max', x, p, out);
}

/** ONNX AveragePool (NCHW): the mean of each window, divisor per p.countIncludePad. */
export function avgPool2d(x: RefTensor, p: Pool2dParams, out?: Float32Array): RefTensor {
  return pool2d('avg', x, p, out);
}

/** ONNX GlobalAveragePool: (N, C, d1, d2, ...) -> (N, C, 1, 1, ...), the mean over the d axes. */
export function globalAvgPool(x: RefTensor, out?: Float32Array): RefTensor {
  checkTensor('globalAvgPool x', x);
  if (x.shape.length < 3) throw new Error(`globalAvgPool: x ${formatShape(x.shape)} needs at least one spatial axis (N, C, d1, ...)`);
  const [N, C, ...spatial] = x.shape;
  const S = spatial.reduce((a, b) => a * b, 1);
  const y = output('globalAvgPool', [N, C, ...spatial.map(() => 1)], out);
  for (let plane = 0; plane < N * C; plane++) {
    let s = 0;
    for (let i = plane * S, end = i + S; i < end; i++) s += x.data[i];
    y.data[plane] = s / S;
  }
  return y;
}
