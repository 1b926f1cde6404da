// Local response normalisation across channels on WASM (assembly/forward/lrn.ts).
import type { LrnStep } from '../plan.js';
import { type WasmOpCall, type WasmOpContext, ncs } from './context.js';
import { inputShape } from '../step-shapes.js';

export function runLrn(ctx: WasmOpContext, call: WasmOpCall<LrnStep>): void {
  const { step } = call;
  const [N, C, S] = ncs('lrn', inputShape(call, 0));
  ctx.ex.fwdLrn(call.inputs[0].offset, N, C, S, step.size, step.alpha, step.beta, step.bias, call.output.offset);
}
