// Softmax over one axis on WASM (assembly/forward/softmax.ts), the tensor seen as (outer, axis, inner).
import type { SoftmaxStep } from '../plan.js';
import { type WasmOpCall, type WasmOpContext } from './context.js';
import { formatShape } from '../../util/shape.js';

export function runSoftmax(ctx: WasmOpContext, { step, inputs: [x], output: y }: WasmOpCall<SoftmaxStep>): void {
  if (step.outer * step.axis * step.inner !== y.length) throw new Error(`softmax: view (${step.outer}, ${step.axis}, ${step.inner}) does not cover ${formatShape(y.shape)}`);
  ctx.ex.fwdSoftmax(x.offset, step.outer, step.axis, step.inner, y.offset);
}
