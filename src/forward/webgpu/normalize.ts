// LRN and Softmax on WebGPU.
import type { LrnStep, SoftmaxStep } from '../plan.js';
import { linearGrid } from './commands.js';
import { type OpCall, type OpContext, inputShape, labelOf } from './context.js';
import { elementCount, fmtShape, tensorBinding } from './tensor.js';
import { reduceWorkgroup } from './pool.js';
import { Uniforms } from './uniforms.js';

export function runLrn(ctx: OpContext, call: OpCall<LrnStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  if (xShape.length < 2) throw new Error(`${what}: x ${fmtShape(xShape)} needs a channel axis (N, C, ...)`);
  if (!Number.isInteger(step.size) || step.size < 1) throw new Error(`${what}: size must be a positive integer, got ${step.size}`);
  const count = elementCount(xShape);
  if (call.output.size !== count) throw new Error(`${what}: output has ${call.output.size} values for x ${fmtShape(xShape)}`);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('lrn', 'forward_lrn', { WG: wg }),
    uniforms: new Uniforms(what)
      .u32(count, gridX, xShape[1], elementCount(xShape.slice(2)), Math.floor((step.size - 1) / 2), Math.ceil((step.size - 1) / 2))
      .f32(step.alpha / step.size, step.bias, step.beta)
      .bytes(),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}

export function runSoftmax(ctx: OpContext, call: OpCall<SoftmaxStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const { outer, axis, inner } = step;
  const size = call.inputs[0].size;
  if (outer * axis * inner !== size || call.output.size !== size) {
    throw new Error(`${what}: view (${outer}, ${axis}, ${inner}) does not cover x ${fmtShape(inputShape(call, 0))}`);
  }
  const rows = outer * inner;
  if (size === 0) return;
  const wg = reduceWorkgroup(ctx, axis);
  const { workgroups, gridX } = linearGrid(rows, 1, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('softmax', 'forward_softmax', { WG: wg }),
    uniforms: new Uniforms(what).u32(rows, axis, inner, gridX).bytes(),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}
