// Gemm and batched MatMul on WebGPU: one tiled kernel (forward_gemm.wgsl) reading its operands
// through strides, so transposes and broadcast batch axes cost nothing.
import type { GemmStep, MatMulStep } from '../plan.js';
import { type OpCall, type OpContext, labelOf } from './context.js';
import { inputShape, outputShape } from '../step-shapes.js';
import { packUniforms } from '../../gpu/uniforms.js';
import { mergeAxes } from '../axes.js';
import { sizeOf, stridesOf } from '../reference/tensor.js';
import { tensorBinding } from './tensor.js';
import { formatShape } from '../../util/shape.js';
import { gemmTile } from './tiles.js';

interface MatmulArgs {
  what: string;
  call: OpCall;
  m: number;
  n: number;
  k: number;
  /** Element strides: A(m, k) = a[m * aSm + k * aSk], B(k, n) = b[k * bSk + n * bSn]. */
  aSm: number;
  aSk: number;
  bSk: number;
  bSn: number;
  alpha: number;
  /** C (Gemm), read at c[m * cSm + n * cSn] and scaled by beta. */
  c?: { index: number; sm: number; sn: number; beta: number };
  /** Batch axes of Y (outermost first, at most 4 after merging) and the operands' strides along them. */
  batchDims: number[];
  aBatch: number[];
  bBatch: number[];
}

function encodeMatmul(ctx: OpContext, args: MatmulArgs): void {
  const { what, call, m, n, k } = args;
  const batch = sizeOf(args.batchDims);
  if (m === 0 || n === 0 || batch === 0) return;
  const tile = gemmTile(ctx.tiles, m, n, ctx.limits.maxComputeWorkgroupStorageSize, batch);
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const groups: [number, number, number] = [Math.ceil(n / tile.tn), Math.ceil(m / tile.tm), batch];
  if (groups.some((g) => g > maxPerDim)) throw new Error(`${what}: ${groups.join(' x ')} workgroups exceed the device's dispatch limit`);
  if (args.batchDims.length > 4) throw new Error(`${what}: more than 4 batch axes after merging (${formatShape(args.batchDims)})`);
  const pad4 = (v: number[], fill: number) => [...new Array<number>(4 - v.length).fill(fill), ...v];
  const c = args.c && args.c.beta !== 0 ? args.c : undefined;
  const uniforms = packUniforms('forward_gemm', what, {
    m,
    n,
    k,
    a_sm: args.aSm,
    a_sk: args.aSk,
    b_sk: args.bSk,
    b_sn: args.bSn,
    c_sm: c?.sm ?? 0,
    c_sn: c?.sn ?? 0,
    alpha: args.alpha,
    beta: c?.beta ?? 0,
    batch_dims: pad4(args.batchDims, 1),
    a_batch: pad4(args.aBatch, 0),
    b_batch: pad4(args.bBatch, 0),
  });
  const pipeline = ctx.pipeline(call.step.kind, 'forward_gemm', {
    TM: tile.tm,
    TN: tile.tn,
    TK: tile.tk,
    RM: tile.rm,
    RN: tile.rn,
    A_K_FAST: args.aSk === 1 ? 1 : 0,
    B_K_FAST: args.bSk === 1 && args.bSn !== 1 ? 1 : 0,
    HAS_C: c ? 1 : 0,
  });
  const [a, b] = call.inputs;
  ctx.commands.dispatch({
    label: what,
    pipeline,
    uniforms,
    // Without C, A stands in for binding 3 (never read: HAS_C is 0).
    storage: [tensorBinding(a), tensorBinding(b), tensorBinding(c ? call.inputs[c.index] : a), tensorBinding(call.output)],
    workgroups: groups,
  });
}

export function runGemm(ctx: OpContext, call: OpCall<GemmStep>): void {
  const { step } = call;
  const what = labelOf(call);
  const aShape = inputShape(call, 0);
  const bShape = inputShape(call, 1);
  const yShape = outputShape(call);
  if (aShape.length !== 2 || bShape.length !== 2) throw new Error(`${what}: Gemm needs 2-D A and B, got ${formatShape(aShape)} and ${formatShape(bShape)}`);
  const [m, k] = step.transA ? [aShape[1], aShape[0]] : aShape;
  const [kb, n] = step.transB ? [bShape[1], bShape[0]] : bShape;
  if (k !== kb || yShape.length !== 2 || yShape[0] !== m || yShape[1] !== n) {
    throw new Error(`${what}: A ${formatShape(aShape)}${step.transA ? "'" : ''} B ${formatShape(bShape)}${step.transB ? "'" : ''} do not give Y ${formatShape(yShape)}`);
  }
  let c: MatmulArgs['c'];
  if (step.inputs.length === 3) {
    const cShape = inputShape(call, 2);
    if (cShape.length > 2) throw new Error(`${what}: C ${formatShape(cShape)} does not broadcast to [${m}, ${n}]`);
    const full = [...new Array<number>(2 - cShape.length).fill(1), ...cShape];
    if ((full[0] !== 1 && full[0] !== m) || (full[1] !== 1 && full[1] !== n)) {
      throw new Error(`${what}: C ${formatShape(cShape)} does not broadcast to [${m}, ${n}]`);
    }
    c = { index: 2, sm: full[0] === 1 ? 0 : full[1], sn: full[1] === 1 ? 0 : 1, beta: step.beta };
  }
  encodeMatmul(ctx, {
    what,
    call,
    m,
    n,
    k,
    aSm: step.transA ? 1 : aShape[1],
    aSk: step.transA ? aShape[1] : 1,
    bSk: step.transB ? 1 : bShape[1],
    bSn: step.transB ? bShape[1] : 1,
    alpha: step.alpha,
    c,
    batchDims: [],
    aBatch: [],
    bBatch: [],
  });
}

/** Strides of an operand's batch axes read as the output's batch axes (0 where broadcast). */
function batchStrides(what: string, name: string, shape: number[], outBatch: number[]): number[] {
  const batch = shape.slice(0, -2);
  const matrix = shape[shape.length - 2] * shape[shape.length - 1];
  const strides = new Array<number>(outBatch.length).fill(0);
  let stride = matrix;
  for (let i = batch.length - 1; i >= 0; i--) {
    const j = outBatch.length - batch.length + i;
    if (j < 0 || (batch[i] !== outBatch[j] && batch[i] !== 1)) throw new Error(`${what}: ${name} ${formatShape(shape)} does not broadcast to batch ${formatShape(outBatch)}`);
    strides[j] = batch[i] === 1 ? 0 : stride;
    stride *= batch[i];
  }
  return strides;
}

export function runMatMul(ctx: OpContext, call: OpCall<MatMulStep>): void {
  const what = labelOf(call);
  const aShape = inputShape(call, 0);
  const bShape = inputShape(call, 1);
  const yShape = outputShape(call);
  if (aShape.length < 2 || bShape.length < 2 || yShape.length < 2) {
    throw new Error(`${what}: MatMul operands must have rank >= 2 (the planner expands 1-D ones), got ${formatShape(aShape)} and ${formatShape(bShape)}`);
  }
  const [m, k] = aShape.slice(-2);
  const [kb, n] = bShape.slice(-2);
  const outBatch = yShape.slice(0, -2);
  if (k !== kb || yShape[yShape.length - 2] !== m || yShape[yShape.length - 1] !== n) {
    throw new Error(`${what}: A ${formatShape(aShape)} B ${formatShape(bShape)} do not give Y ${formatShape(yShape)}`);
  }
  const merged = mergeAxes(outBatch, [
    batchStrides(what, 'A', aShape, outBatch),
    batchStrides(what, 'B', bShape, outBatch),
    stridesOf(outBatch),
  ]);
  encodeMatmul(ctx, {
    what,
    call,
    m,
    n,
    k,
    aSm: k,
    aSk: 1,
    bSk: n,
    bSn: 1,
    alpha: 1,
    batchDims: merged.dims,
    aBatch: merged.strides[0],
    bBatch: merged.strides[1],
  });
}
