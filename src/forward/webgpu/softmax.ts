// Softmax on WebGPU (forward_softmax.wgsl): one workgroup per row of the (outer, axis, inner) view.
import type { SoftmaxStep } from '../plan.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { linearGrid } from '../../gpu/workgroups.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape } from '../step-shapes.js';
import { tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { reduceWorkgroup } from './pool.js';

export function runSoftmax(ctx: OpContext, call: OpCall<SoftmaxStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const { outer, axis, inner } = step;
  const size = call.inputs[0].size;
  if (outer * axis * inner !== size || call.output.size !== size) {
    throw new Error(`${what}: view (${outer}, ${axis}, ${inner}) does not cover x ${formatShape(inputShape(call, 0))}`);
  }
  const rows = outer * inner;
  if (size === 0) return;
  const wg = reduceWorkgroup(ctx, axis);
  const { workgroups, gridX } = linearGrid(rows, 1, ctx.limits.maxComputeWorkgroupsPerDimension);
  ctx.commands.dispatch({
    label: what,
    pipeline: ctx.pipeline('softmax', 'forward_softmax', { WG: wg }),
    uniforms: packUniforms('forward_softmax', what, { rows, axis, inner, grid_x: gridX }),
    storage: [tensorBinding(call.inputs[0]), tensorBinding(call.output)],
    workgroups,
  });
}
