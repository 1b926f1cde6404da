// Elementwise ops on WebGPU: activations, Add / Mul with broadcasting, per-channel affine.
import type { BinaryStep, ChannelAffineStep, UnaryStep } from '../plan.js';
import { linearGrid } from './commands.js';
import { type OpCall, type OpContext, inputShape, labelOf, outputShape } from './context.js';
import { contiguousStrides, elementCount, fmtShape, mergeAxes, tensorBinding } from './tensor.js';
import { Uniforms } from './uniforms.js';

const UNARY_FN = { relu: 0, leakyrelu: 1, clip: 2, sigmoid: 3 } as const;
const BINARY_FN = { add: 0, mul: 1 } as const;
const MAX_RANK = 8;

function checkSameSize(what: string, x: number[], y: number[]): void {
  if (elementCount(x) !== elementCount(y)) throw new Error(`${what}: input ${fmtShape(x)} and output ${fmtShape(y)} differ in size`);
}

export function runUnary(ctx: OpContext, call: OpCall<UnaryStep>): void {
  const { step } = call;
  const what = labelOf(call, step.fn);
  checkSameSize(what, inputShape(call, 0), outputShape(call));
  const fn = UNARY_FN[step.fn];
  if (fn === undefined) throw new Error(`${what}: unknown activation ${step.fn}`);
  const count4 = Math.ceil(call.output.size / 4);
  if (count4 === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count4, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline(step.fn, 'forward_unary', { WG: wg, FN: fn }),
    uniforms: new Uniforms(what).u32(count4, gridX).f32(step.alpha, step.min, step.max).bytes(),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}

/** Element strides of `shape` read as `to` under numpy broadcasting (0 along stretched axes). */
export function broadcastStrides(what: string, shape: readonly number[], to: readonly number[]): number[] {
  if (shape.length > to.length) throw new Error(`${what}: ${fmtShape(shape)} does not broadcast to ${fmtShape(to)}`);
  const strides = new Array<number>(to.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = to.length - shape.length + i;
    if (shape[i] === to[j]) strides[j] = shape[i] === 1 ? 0 : stride;
    else if (shape[i] !== 1) throw new Error(`${what}: ${fmtShape(shape)} does not broadcast to ${fmtShape(to)}`);
    stride *= shape[i];
  }
  return strides;
}

export function runBinary(ctx: OpContext, call: OpCall<BinaryStep>): void {
  const { step } = call;
  const what = labelOf(call, step.fn);
  const fn = BINARY_FN[step.fn];
  if (fn === undefined) throw new Error(`${what}: unknown binary op ${step.fn}`);
  const aShape = inputShape(call, 0);
  const bShape = inputShape(call, 1);
  const yShape = outputShape(call);
  const count = elementCount(yShape);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const [a, b] = call.inputs;
  const storage = [tensorBinding(a), tensorBinding(b), tensorBinding(call.output)];
  if (a.size === count && b.size === count && elementCount(aShape) === count && elementCount(bShape) === count && aShape.length === bShape.length && aShape.every((d, i) => d === bShape[i])) {
    const count4 = Math.ceil(count / 4);
    const { workgroups, gridX } = linearGrid(count4, wg, maxPerDim);
    ctx.commands.dispatch({
      label: what,
      pipeline: ctx.pipeline(step.fn, 'forward_binary_flat', { WG: wg, FN: fn }),
      uniforms: new Uniforms(what).u32(count4, gridX, 0, 0).bytes(),
      storage,
      workgroups,
    });
    return;
  }
  const merged = mergeAxes(yShape, [broadcastStrides(`${what} A`, aShape, yShape), broadcastStrides(`${what} B`, bShape, yShape), contiguousStrides(yShape)]);
  if (merged.dims.length > MAX_RANK) throw new Error(`${what}: more than ${MAX_RANK} axes after merging (${fmtShape(yShape)})`);
  const { workgroups, gridX } = linearGrid(count, wg, maxPerDim);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline(step.fn, 'forward_binary', { WG: wg, FN: fn }),
    uniforms: new Uniforms(what)
      .u32(count, gridX, merged.dims.length, 0)
      .u32Array(merged.dims, MAX_RANK)
      .u32Array(merged.strides[0], MAX_RANK)
      .u32Array(merged.strides[1], MAX_RANK)
      .bytes(),
    storage,
    workgroups,
  });
}

export function runChannelAffine(ctx: OpContext, call: OpCall<ChannelAffineStep>): void {
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  checkSameSize(what, xShape, outputShape(call));
  if (xShape.length < 2) throw new Error(`${what}: x ${fmtShape(xShape)} has no channel axis`);
  const channels = xShape[1];
  const inner = elementCount(xShape.slice(2));
  const [x, scale, shift] = call.inputs;
  if (scale.size !== channels || shift.size !== channels) {
    throw new Error(`${what}: scale and shift have ${scale.size} and ${shift.size} values for ${channels} channels`);
  }
  const count = call.output.size;
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('channelaffine', 'forward_channelaffine', { WG: wg }),
    uniforms: new Uniforms(what).u32(count, gridX, channels, inner).bytes(),
    storage: [tensorBinding(x), tensorBinding(scale), tensorBinding(shift), tensorBinding(call.output)],
    workgroups,
  });
}
