// Gemm and MatMul on WASM: sgemm calls (assembly/forward/gemm.ts), or for a fully connected
// layer's Gemm (transB) row dot products (assembly/forward/fc.ts); Gemm's C is broadcast into
// the output first, MatMul runs one sgemm per broadcast batch index.
import { broadcastStrides, sizeOf } from '../reference/tensor.js';
import type { GemmStep, MatMulStep } from '../plan.js';
import { type WasmOpCall, type WasmOpContext } from './context.js';
import { formatShape } from '../../util/shape.js';
import { inputShape } from '../step-shapes.js';
import { broadcastCopy } from './layout.js';

export function runGemm(ctx: WasmOpContext, call: WasmOpCall<GemmStep>): void {
  const { step, inputs: [a, b, c], output: y } = call;
  const as = inputShape(call, 0);
  const bs = inputShape(call, 1);
  if (as.length !== 2 || bs.length !== 2) throw new Error(`gemm: A ${formatShape(as)} and B ${formatShape(bs)} must be 2-D`);
  const [M, K] = step.transA ? [as[1], as[0]] : as;
  const [KB, N] = step.transB ? [bs[1], bs[0]] : bs;
  if (K !== KB || y.length !== M * N) throw new Error(`gemm: op(A) ${M}x${K}, op(B) ${KB}x${N} and output ${formatShape(y.shape)} do not fit`);
  let beta = 0;
  if (c && step.beta !== 0) {
    // Y = C broadcast to (M, N), then Y = alpha A B + beta Y.
    broadcastCopy(ctx, c, inputShape(call, 2), [M, N], y);
    beta = step.beta;
  }
  if (step.transB && !step.transA && step.alpha !== 0) {
    // A fully connected layer (weights N x K): dot products over B in place, no packing of B
    // per call (assembly/forward/fc.ts). Chosen from the layout only, never from the batch.
    ctx.ex.fwdGemmTransB(M, N, K, step.alpha, a.offset, as[1], b.offset, bs[1], beta, y.offset, N);
    return;
  }
  ctx.ex.sgemm(step.transA ? 1 : 0, step.transB ? 1 : 0, M, N, K, step.alpha, a.offset, as[1], b.offset, bs[1], beta, y.offset, N);
}

export function runMatMul(ctx: WasmOpContext, call: WasmOpCall<MatMulStep>): void {
  const { inputs: [a, b], output: y } = call;
  const as = inputShape(call, 0);
  const bs = inputShape(call, 1);
  const a2 = as.length === 1 ? [1, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], 1] : bs;
  const [M, K] = a2.slice(-2);
  const [KB, N] = b2.slice(-2);
  if (K !== KB) throw new Error(`matmul: A ${formatShape(as)} has ${K} columns, B ${formatShape(bs)} has ${KB} rows`);
  const rank = Math.max(a2.length, b2.length) - 2;
  const bA = a2.slice(0, -2);
  const bB = b2.slice(0, -2);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = bA[bA.length - rank + i] ?? 1;
    const db = bB[bB.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`matmul: batch dimensions of A ${formatShape(as)} and B ${formatShape(bs)} do not broadcast`);
    dims.push(Math.max(da, db));
  }
  const batch = sizeOf(dims);
  if (batch * M * N !== y.length) throw new Error(`matmul: output ${formatShape(y.shape)} does not hold ${formatShape(dims)} products of ${M}x${N}`);
  const sa = broadcastStrides('matmul A', bA, dims);
  const sb = broadcastStrides('matmul B', bB, dims);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < batch; i++) {
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < rank; d++) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    ctx.ex.sgemm(0, 0, M, N, K, 1, a.offset + oa * M * K * 4, K, b.offset + ob * K * N * 4, N, 0, y.offset + i * M * N * 4, N);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}
