// LRN on WebGPU (forward_lrn.wgsl): one output element per invocation, summing the squares of
// its channel window.
import type { LrnStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid } from '../../gpu/workgroups.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape } from '../step-shapes.js';
import { tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { sizeOf } from '../reference/tensor.js';

export function runLrn(ctx: OpContext, call: OpCall<LrnStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const xShape = inputShape(call, 0);
  if (xShape.length < 2) throw new Error(`${what}: x ${formatShape(xShape)} needs a channel axis (N, C, ...)`);
  if (!Number.isInteger(step.size) || step.size < 1) throw new Error(`${what}: size must be a positive integer, got ${step.size}`);
  const count = sizeOf(xShape);
  if (call.output.size !== count) throw new Error(`${what}: output has ${call.output.size} values for x ${formatShape(xShape)}`);
  if (count === 0) return;
  const wg = ctx.tiles.workgroup;
  const { workgroups, gridX } = linearGrid(count, wg, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('lrn', 'forward_lrn', { WG: wg }),
    uniforms: packUniforms('forward_lrn', what, {
      count,
      grid_x: gridX,
      channels: xShape[1],
      inner: sizeOf(xShape.slice(2)),
      below: Math.floor((step.size - 1) / 2),
      above: Math.ceil((step.size - 1) / 2),
      scale: step.alpha / step.size,
      bias: step.bias,
      beta: step.beta,
    }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}
