// Pooling on WASM (assembly/forward/pool.ts): max and average 2-D pooling (the output size comes
// from the plan, which has applied ceil_mode) and global average pooling.
import type { GlobalAvgPoolStep, PoolStep } from '../plan.js';
import { type WasmOpCall, type WasmOpContext, ncs } from './context.js';
import { formatShape } from '../../util/shape.js';
import { inputShape } from '../step-shapes.js';

export function runPool(ctx: WasmOpContext, call: WasmOpCall<PoolStep>): void {
  const { step, inputs: [x], output: y } = call;
  const xs = inputShape(call, 0);
  if (xs.length !== 4 || y.shape.length !== 4) throw new Error(`${step.kind}: x ${formatShape(xs)} and output ${formatShape(y.shape)} must be NCHW`);
  const [N, C, H, W] = xs;
  const [, , OH, OW] = y.shape;
  const mode = step.kind === 'maxpool' ? 0 : step.countIncludePad ? 2 : 1;
  const [pt, pl, pb, pr] = step.pads;
  // The window's row, then (max) the window maxima along it: assembly/forward/pool.ts.
  const row = ctx.scratch(2 * W * 4);
  ctx.ex.fwdPool2d(mode, x.offset, N * C, H, W, step.kernel[0], step.kernel[1], step.strides[0], step.strides[1], pt, pl, pb, pr, step.dilations[0], step.dilations[1], OH, OW, y.offset, row);
}

export function runGlobalAvgPool(ctx: WasmOpContext, call: WasmOpCall<GlobalAvgPoolStep>): void {
  const [N, C, S] = ncs('globalavgpool', inputShape(call, 0));
  ctx.ex.fwdGlobalAvgPool(call.inputs[0].offset, N * C, S, call.output.offset);
}
