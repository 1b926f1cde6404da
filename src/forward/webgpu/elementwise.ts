// Elementwise ops on WebGPU: activations, Add / Mul with broadcasting, per-channel affine.
import type { BinaryStep, ChannelAffineStep, UnaryStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid } from '../../gpu/workgroups.js';
import { mergeAxes } from '../axes.js';
import { broadcastStrides, sizeOf, stridesOf } from '../reference/tensor.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape, outputShape } from '../step-shapes.js';
import { MAX_WALK_AXES, tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';

const UNARY_FN = { relu: 0, leakyrelu: 1, clip: 2, sigmoid: 3 } as const;
const BINARY_FN = { add: 0, mul: 1 } as const;

function checkSameSize(what: string, x: number[], y: number[]): void {
  if (sizeOf(x) !== sizeOf(y)) throw new Error(`${what}: input ${formatShape(x)} and output ${formatShape(y)} differ in size`);
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
    uniforms: packUniforms('forward_unary', what, { count4, grid_x: gridX, alpha: step.alpha, lo: step.min, hi: step.max }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}

export function runBinary(ctx: OpContext, call: OpCall<BinaryStep>): void {
  const { step } = call;
  const what = labelOf(call, step.fn);
  const fn = BINARY_FN[step.fn];
  if (fn === undefined) throw new Error(`${what}: unknown binary op ${step.fn}`);
  const aShape = inputShape(call, 0);
  const bShape = inputShape(call, 1);
  const yShape = outputShape(call);
  const count = sizeOf(yShape);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const [a, b] = call.inputs;
  const storage = [tensorBinding(a), tensorBinding(b), tensorBinding(call.output)];
  if (a.size === count && b.size === count && sizeOf(aShape) === count && sizeOf(bShape) === count && aShape.length === bShape.length && aShape.every((d, i) => d === bShape[i])) {
    const count4 = Math.ceil(count / 4);
    const { workgroups, gridX } = linearGrid(count4, wg, maxPerDim);
    ctx.commands.dispatch({
      label: what,
      pipeline: ctx.pipeline(step.fn, 'forward_binary_flat', { WG: wg, FN: fn }),
      uniforms: packUniforms('forward_binary_flat', what, { count4, grid_x: gridX }),
      storage,
      workgroups,
    });
    return;
  }
  const merged = mergeAxes(yShape, [broadcastStrides(`${what} A`, aShape, yShape), broadcastStrides(`${what} B`, bShape, yShape), stridesOf(yShape)]);
  if (merged.dims.length > MAX_WALK_AXES) throw new Error(`${what}: more than ${MAX_WALK_AXES} axes after merging (${formatShape(yShape)})`);
  const { workgroups, gridX } = linearGrid(count, wg, maxPerDim);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline(step.fn, 'forward_binary', { WG: wg, FN: fn }),
    uniforms: packUniforms('forward_binary', what, {
      count,
      grid_x: gridX,
      rank: merged.dims.length,
      dims: merged.dims,
      strides_a: merged.strides[0],
      strides_b: merged.strides[1],
    }),
    storage,
    workgroups,
  });
}

export function runChannelAffine(ctx: OpContext, call: OpCall<ChannelAffineStep>): void {
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  checkSameSize(what, xShape, outputShape(call));
  if (xShape.length < 2) throw new Error(`${what}: x ${formatShape(xShape)} has no channel axis`);
  const channels = xShape[1];
  const inner = sizeOf(xShape.slice(2));
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
    uniforms: packUniforms('forward_channelaffine', what, { count, grid_x: gridX, channels, inner }),
    storage: [tensorBinding(x), tensorBinding(scale), tensorBinding(shift), tensorBinding(call.output)],
    workgroups,
  });
}
