// Element-wise ops on WASM (assembly/forward/elementwise.ts): unary activations, broadcast add
// and mul (axes merged first, so most calls are rank 1 or 2), and the per-channel affine that
// folded BatchNorm becomes.
import { broadcastStrides } from '../reference/tensor.js';
import type { BinaryStep, ChannelAffineStep, UnaryStep } from '../plan.js';
import { MAX_RANK, mergeAxes } from './axes.js';
import { type WasmOpCall, type WasmOpContext, ncs } from './context.js';
import { formatShape } from '../../util/shape.js';
import { inputShape } from '../step-shapes.js';

/** The function codes of fwdUnary. */
const UNARY_CODES = { relu: 0, leakyrelu: 1, clip: 2, sigmoid: 3 } as const;

export function runUnary(ctx: WasmOpContext, { step, inputs: [x], output: y }: WasmOpCall<UnaryStep>): void {
  ctx.ex.fwdUnary(UNARY_CODES[step.fn], x.offset, y.offset, y.length, step.alpha, step.min, step.max);
}

export function runBinary(ctx: WasmOpContext, call: WasmOpCall<BinaryStep>): void {
  const { step, inputs: [a, b], output: y } = call;
  const to = y.shape;
  const m = mergeAxes(to, [broadcastStrides(`${step.fn} a`, inputShape(call, 0), to), broadcastStrides(`${step.fn} b`, inputShape(call, 1), to)]);
  if (m.dims.length > MAX_RANK) throw new Error(`${step.fn}: more than ${MAX_RANK} axes after merging (${formatShape(to)})`);
  const [dims, sa, sb] = ctx.params(m.dims, m.strides[0], m.strides[1]);
  ctx.ex.fwdBinary(step.fn === 'mul' ? 1 : 0, a.offset, b.offset, y.offset, m.dims.length, dims, sa, sb);
}

export function runChannelAffine(ctx: WasmOpContext, call: WasmOpCall<ChannelAffineStep>): void {
  const [N, C, S] = ncs('channelaffine', inputShape(call, 0));
  const [x, scale, shift] = call.inputs;
  if (scale.length !== C || shift.length !== C) throw new Error(`channelaffine: ${scale.length} scales and ${shift.length} shifts for ${C} channels`);
  ctx.ex.fwdChannelAffine(x.offset, N, C, S, scale.offset, shift.offset, call.output.offset);
}
