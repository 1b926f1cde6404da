// The deconvnet's rules for the cheap steps of a plan, in float64: each maps the signal on a
// step's output to its data inputs. Linear steps take their adjoint (average pooling spreads each
// output over its window, a per-channel affine scales, a broadcast add sums over the stretched
// axes, concat splits, constant padding crops); LRN is passed through as the identity, as
// Zeiler-Fergus deconvnets do (it only rescales; its adjoint would mix channels).
import { broadcastStrides, forEachRow, sizeOf, stridesOf } from '../reference/tensor.js';
import { tapRange, windowGeometry } from './windows.js';
import type { BinaryStep, ConcatStep, PadStep, PoolStep } from '../plan.js';

/** Adjoint of average pooling (window rules of reference/pool.ts: taps inside the input, divisor per countIncludePad). */
export function avgUnpool(step: PoolStep, s: Float64Array, inShape: readonly number[], outShape: readonly number[]): Float64Array {
  const { C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr } = windowGeometry(step, inShape, outShape);
  const x = new Float64Array(C * H * W);
  const count = ([a, b]: [number, number]) => Math.max(0, b - a + 1);
  for (let oy = 0; oy < OH; oy++) {
    const [ky0, ky1] = tapRange(oy, sh, pt, KH, dh, H);
    // Taps inside the padded input: positions o*stride + k*dilation in [0, size + pads).
    const paddedRows = count(tapRange(oy, sh, 0, KH, dh, H + pt + pb));
    for (let ox = 0; ox < OW; ox++) {
      const [kx0, kx1] = tapRange(ox, sw, pl, KW, dw, W);
      const taps = count([ky0, ky1]) * count([kx0, kx1]);
      if (taps === 0) continue;
      const divisor = step.countIncludePad ? paddedRows * count(tapRange(ox, sw, 0, KW, dw, W + pl + pr)) : taps;
      for (let c = 0; c < C; c++) {
        const share = s[(c * OH + oy) * OW + ox] / divisor;
        if (share === 0) continue;
        for (let ky = ky0; ky <= ky1; ky++) {
          const row = (c * H + oy * sh - pt + ky * dh) * W + ox * sw - pl;
          for (let kx = kx0; kx <= kx1; kx++) x[row + kx * dw] += share;
        }
      }
    }
  }
  return x;
}

/** Adjoint of global average pooling: each channel's signal spread evenly over its positions. */
export function globalAvgUnpool(s: Float64Array, inShape: readonly number[]): Float64Array {
  const [, C, ...spatial] = inShape;
  const S = sizeOf(spatial);
  const x = new Float64Array(C * S);
  for (let c = 0; c < C; c++) x.fill(s[c] / S, c * S, (c + 1) * S);
  return x;
}

/** y = x * scale[c] + shift[c]: the signal times scale[c]. */
export function channelScale(s: Float64Array, scale: Float32Array, shape: readonly number[]): Float64Array {
  const C = shape[1];
  const inner = sizeOf(shape.slice(2));
  const x = new Float64Array(s.length);
  for (let c = 0; c < C; c++) for (let i = c * inner; i < (c + 1) * inner; i++) x[i] = s[i] * scale[c];
  return x;
}

/**
 * Binary add / mul: the signal for an input of shape inShape (broadcast to outShape). Add: summed
 * over the axes it was stretched along. Mul: times the other operand (a constant), summed likewise.
 */
export function binaryInputSignal(step: BinaryStep, s: Float64Array, outShape: readonly number[], inShape: readonly number[], other?: { data: Float32Array; shape: readonly number[] }): Float64Array {
  const x = new Float64Array(sizeOf(inShape));
  const last = outShape.length - 1;
  const width = outShape[last] ?? 1;
  const strides = [stridesOf(outShape), broadcastStrides('deconv', inShape, outShape), other ? broadcastStrides('deconv', other.shape, outShape) : outShape.map(() => 0)];
  const step0 = strides.map((st) => st[last] ?? 0);
  forEachRow(outShape, strides, ([o, i, k]) => {
    for (let j = 0; j < width; j++) x[i + j * step0[1]] += step.fn === 'mul' ? s[o + j] * other!.data[k + j * step0[2]] : s[o + j];
  });
  return x;
}

/** Concat along step.axis: the slice of the signal that input `which` filled. */
export function concatSlice(step: ConcatStep, s: Float64Array, inShapes: readonly (readonly number[])[], which: number): Float64Array {
  const outer = sizeOf(inShapes[0].slice(0, step.axis));
  const inner = sizeOf(inShapes[0].slice(step.axis + 1));
  const total = inShapes.reduce((n, shape) => n + shape[step.axis], 0);
  const before = inShapes.slice(0, which).reduce((n, shape) => n + shape[step.axis], 0);
  const mine = inShapes[which][step.axis];
  const x = new Float64Array(outer * mine * inner);
  for (let o = 0; o < outer; o++) x.set(s.subarray((o * total + before) * inner, (o * total + before + mine) * inner), o * mine * inner);
  return x;
}

/** Constant padding: the signal over the input's own positions (the pads are dropped). */
export function cropPad(step: PadStep, s: Float64Array, inShape: readonly number[], outShape: readonly number[]): Float64Array {
  const x = new Float64Array(sizeOf(inShape));
  const outStrides = stridesOf(outShape);
  // Input element (i_0, ..) sits at output (i_0 + begin_0, ..): the same walk, offset by the begins.
  const begin = inShape.reduce((at, _, d) => at + step.pads[d] * outStrides[d], 0);
  const width = inShape[inShape.length - 1] ?? 1;
  forEachRow(inShape, [stridesOf(inShape), outStrides], ([i, o]) => x.set(s.subarray(begin + o, begin + o + width), i));
  return x;
}
