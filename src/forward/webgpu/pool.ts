// MaxPool, AveragePool and GlobalAveragePool on WebGPU.
import type { GlobalAvgPoolStep, PoolStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid, nextPowerOfTwo } from '../../gpu/workgroups.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape, outputShape } from '../step-shapes.js';
import { tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { sizeOf } from '../reference/tensor.js';

export function runPool(ctx: OpContext, call: OpCall<PoolStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  const yShape = outputShape(call);
  if (xShape.length !== 4 || yShape.length !== 4 || xShape[0] !== yShape[0] || xShape[1] !== yShape[1]) {
    throw new Error(`${what}: expected x and y of shape (N, C, H, W) with the same N and C, got ${formatShape(xShape)} and ${formatShape(yShape)}`);
  }
  const [, , H, W] = xShape;
  const [, , OH, OW] = yShape;
  const count = sizeOf(yShape);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  const [pt, pl, pb, pr] = step.pads;
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline(step.kind, 'forward_pool', { WG: wg, MODE: step.kind === 'maxpool' ? 0 : 1 }),
    uniforms: packUniforms('forward_pool', what, {
      count, grid_x: gridX, h: H, w: W, oh: OH, ow: OW, kh: step.kernel[0], kw: step.kernel[1], sh: step.strides[0], sw: step.strides[1],
      pt, pl, pb, pr, dh: step.dilations[0], dw: step.dilations[1], include_pad: step.countIncludePad ? 1 : 0,
    }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}

/** Workgroup size of a row reduction over `length` values: enough invocations, no more than the tiles allow. */
export function reduceWorkgroup(ctx: OpContext, length: number): number {
  return Math.min(ctx.tiles.reduceWorkgroup, Math.max(32, nextPowerOfTwo(length)));
}

export function runGlobalAvgPool(ctx: OpContext, call: OpCall<GlobalAvgPoolStep>): void {
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  if (xShape.length < 3) throw new Error(`${what}: x ${formatShape(xShape)} needs at least one spatial axis (N, C, d1, ...)`);
  const planes = xShape[0] * xShape[1];
  const size = sizeOf(xShape.slice(2));
  if (call.output.size !== planes) throw new Error(`${what}: output has ${call.output.size} values for ${planes} planes`);
  if (planes === 0) return;
  const wg = reduceWorkgroup(ctx, size);
  const { workgroups, gridX } = linearGrid(planes, 1, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('globalavgpool', 'forward_globalavgpool', { WG: wg }),
    uniforms: packUniforms('forward_globalavgpool', what, { planes, size, grid_x: gridX }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}
