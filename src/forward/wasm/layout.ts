// Data movement on WASM (assembly/forward/layout.ts): concat as strided block copies, transpose
// and broadcast as one strided gather over merged axes, pad through per-axis index maps.
import { broadcastStrides, sizeOf, stridesOf } from '../reference/tensor.js';
import type { ConcatStep, PadStep, TransposeStep } from '../plan.js';
import { MAX_RANK, mergeAxes } from './axes.js';
import { type WasmOpCall, type WasmOpContext, type WasmTensor } from './context.js';
import { formatShape } from '../../util/shape.js';
import { inputShape } from '../step-shapes.js';

/** y (dense, shape `to`) = x broadcast numpy-style. */
export function broadcastCopy(ctx: WasmOpContext, x: WasmTensor, from: readonly number[], to: readonly number[], y: WasmTensor): void {
  const m = mergeAxes(to, [broadcastStrides('broadcast', from, to)]);
  if (m.dims.length > MAX_RANK) throw new Error(`broadcast of ${formatShape(from)} to ${formatShape(to)}: more than ${MAX_RANK} axes`);
  const [dims, strides] = ctx.params(m.dims, m.strides[0]);
  ctx.ex.fwdGather(x.offset, y.offset, m.dims.length, dims, strides);
}

export function runConcat(ctx: WasmOpContext, call: WasmOpCall<ConcatStep>): void {
  const { step, inputs, output: y } = call;
  const rank = y.shape.length;
  const axis = step.axis < 0 ? step.axis + rank : step.axis;
  if (axis < 0 || axis >= rank) throw new Error(`concat: axis ${step.axis} out of range for output ${formatShape(y.shape)}`);
  const outer = sizeOf(y.shape.slice(0, axis));
  const inner = sizeOf(y.shape.slice(axis + 1));
  const rowBytes = y.shape[axis] * inner * 4;
  let at = 0;
  inputs.forEach((t, k) => {
    const slab = inputShape(call, k)[axis] * inner * 4;
    if (slab > 0 && outer > 0) ctx.ex.fwdCopyBlocks(t.offset, y.offset + at, outer, slab, rowBytes, slab);
    at += slab;
  });
  if (at !== rowBytes) throw new Error(`concat: inputs fill ${at / 4 / Math.max(1, inner)} of the ${y.shape[axis]} places of axis ${axis}`);
}

export function runTranspose(ctx: WasmOpContext, call: WasmOpCall<TransposeStep>): void {
  const { step, inputs: [x], output: y } = call;
  const xs = inputShape(call, 0);
  const inStrides = stridesOf(xs);
  const dims = step.perm.map((p) => xs[p]);
  const m = mergeAxes(dims, [step.perm.map((p) => inStrides[p])]);
  if (m.dims.length > MAX_RANK) throw new Error(`transpose: more than ${MAX_RANK} axes after merging (${formatShape(xs)})`);
  const [d, s] = ctx.params(m.dims, m.strides[0]);
  ctx.ex.fwdGather(x.offset, y.offset, m.dims.length, d, s);
}

export function runPad(ctx: WasmOpContext, call: WasmOpCall<PadStep>): void {
  const { step, inputs: [x], output: y } = call;
  const { heap } = ctx;
  const xs = inputShape(call, 0);
  const rank = xs.length;
  if (step.pads.length !== 2 * rank) throw new Error(`pad: ${step.pads.length} pads for x ${formatShape(xs)}`);
  if (rank > MAX_RANK) throw new Error(`pad: more than ${MAX_RANK} axes (${formatShape(xs)})`);
  if (rank === 0) {
    heap.f32(y.offset, 1).set(heap.f32(x.offset, 1));
    return;
  }
  // Per output axis, the element offset in x that each index reads (-1: the constant).
  const strides = stridesOf(xs);
  const maps: number[] = [];
  y.shape.forEach((n, d) => {
    const len = xs[d];
    for (let o = 0; o < n; o++) {
      let i = o - step.pads[d];
      if (i < 0 || i >= len) {
        if (step.mode === 'constant' || len === 0) i = -1;
        else if (step.mode === 'edge' || len === 1) i = i < 0 ? 0 : len - 1;
        else {
          const period = 2 * (len - 1);
          i = ((i % period) + period) % period;
          if (i >= len) i = period - i;
        }
      }
      maps.push(i < 0 ? -1 : i * strides[d]);
    }
  });
  const mapBlock = heap.alloc((maps.length + rank) * 4);
  try {
    heap.i32(mapBlock, maps.length + rank).set([...y.shape, ...maps]);
    ctx.ex.fwdPad(x.offset, y.offset, rank, mapBlock, mapBlock + rank * 4, step.value);
  } finally {
    heap.release(mapBlock);
  }
}
