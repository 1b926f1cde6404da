// The WASM SIMD forward backend: OpKernels over tensors that live in one WASM instance's linear
// memory (assembly/forward/*). Each step is one call into the module; shapes come from the plan.
// The kernels choose their paths from shapes that do not involve the batch axis' split, so
// running a batch in slices (src/forward/wasm/parallel.ts) gives bit-identical results.
//
// Memory: a WasmHeap (free lists by size class) above heapBase(); im2col scratch is one block
// kept at the largest size needed so far; small i32 parameter arrays (dims, strides) go to a
// fixed block. Any allocation may grow the memory, which detaches typed-array views, so views are
// taken afresh right before use. The kernels own the instance's memory above heapBase(): do not
// use the same instance's layout() alongside them.
import { broadcastStrides, sizeOf, stridesOf } from '../reference/tensor.js';
import type { OpKernels } from '../kernels.js';
import type { ExecutionPlan, Shape, Step } from '../plan.js';
import { WasmInstance } from '../../kernels/wasm-module.js';
import { MAX_RANK, mergeAxes } from './axes.js';
import { WasmHeap } from './heap.js';

/** A tensor in WASM memory: `length` f32 values at byte `offset`. */
export interface WasmTensor {
  readonly offset: number;
  readonly length: number;
  readonly shape: Shape;
}

/** The exports of assembly/forward used here (byte offsets; f32 and i32 scalars). */
interface ForwardExports {
  heapBase(): number;
  sgemm(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  fwdConv2d(...args: number[]): void;
  fwdConvWinograd(...args: number[]): void;
  fwdConvWinograd5(...args: number[]): void;
  fwdPool2d(...args: number[]): void;
  fwdGlobalAvgPool(x: number, planes: number, S: number, y: number): void;
  fwdUnary(fn: number, x: number, y: number, n: number, alpha: number, lo: number, hi: number): void;
  fwdBinary(fn: number, a: number, b: number, y: number, rank: number, dims: number, sa: number, sb: number): void;
  fwdChannelAffine(x: number, N: number, C: number, S: number, scale: number, shift: number, y: number): void;
  fwdLrn(x: number, N: number, C: number, S: number, size: number, alpha: number, beta: number, bias: number, y: number): void;
  fwdSoftmax(x: number, outer: number, axis: number, inner: number, y: number): void;
  fwdCopyBlocks(src: number, dst: number, count: number, srcStride: number, dstStride: number, bytes: number): void;
  fwdGather(x: number, y: number, rank: number, dims: number, strides: number): void;
  fwdPad(x: number, y: number, rank: number, dims: number, maps: number, value: number): void;
}

/**
 * Images per conv GEMM: enough that the GEMM has about GEMM_COLUMNS columns (one packed block of
 * assembly/forward/gemm.ts), so small feature maps (13 x 13) share one packing of the weights.
 * Depends on the output size only, never on how the batch is split, and batching does not change
 * any output's summation order anyway.
 */
const GEMM_COLUMNS = 1024;
const imagesPerGemm = (P: number, N: number) => Math.max(1, Math.min(N, Math.floor(GEMM_COLUMNS / P)));

/**
 * 3 x 3 and 5 x 5, stride 1, dilation 1 convolutions with at least this many input and output
 * channels per group run as Winograd F(2x2, 3x3) / F(2x2, 5x5) (assembly/forward/winograd*.ts):
 * fewer channels do not repay the transforms. The choice depends on the layer only, never on
 * the batch.
 */
const WINOGRAD_MIN_CHANNELS = 16;
/**
 * Tiles (GEMM columns) transformed together by the Winograd path: whole images up to about this
 * many. Measured (CPU time, 8 AlexNet images): 128 to 1024 columns run conv3-5 within 5 % of
 * each other; LeNet's conv2 (16 tiles an image) is 20 % faster at 128 than at 256.
 */
const WINOGRAD_COLUMNS = 128;
const useWinograd = (kh: number, kw: number, step: { strides: number[]; dilations: number[] }, Cg: number, Mg: number) =>
  (kh === 3 || kh === 5) && kw === kh && step.strides[0] === 1 && step.strides[1] === 1 && step.dilations[0] === 1 && step.dilations[1] === 1 && Cg >= WINOGRAD_MIN_CHANNELS && Mg >= WINOGRAD_MIN_CHANNELS;

const UNARY_CODES = { relu: 0, leakyrelu: 1, clip: 2, sigmoid: 3 } as const;
const PARAM_INTS = 64;

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * WASM SIMD op kernels on `instance` (default: a new instance of the embedded module). The
 * instance's memory above heapBase() belongs to the kernels until dispose().
 */
export async function createWasmKernels(instance?: WasmInstance): Promise<OpKernels<WasmTensor>> {
  const wasm = instance ?? (await WasmInstance.create());
  return wasmKernelsOn(wasm);
}

/** The kernels on an instance that already exists (synchronous; used by the worker too). */
export function wasmKernelsOn(wasm: WasmInstance): OpKernels<WasmTensor> {
  const ex = wasm.exports as unknown as ForwardExports;
  if (typeof ex.sgemm !== 'function' || typeof ex.fwdConv2d !== 'function') {
    throw new Error('wasm kernels: the WASM module has no forward kernels (rebuild with npm run build:kernels)');
  }
  const heap = new WasmHeap(wasm.memory, Number(ex.heapBase()));
  const params = heap.alloc(PARAM_INTS * 4);
  let scratch = -1;
  let scratchBytes = 0;
  let disposed = false;
  const tensors = new WeakSet<WasmTensor>();

  const check = (t: WasmTensor, what: string) => {
    if (disposed) throw new Error('wasm kernels: used after dispose()');
    if (!tensors.has(t)) throw new Error(`wasm kernels: ${what} is not a live tensor of these kernels (freed, or from another backend)`);
    return t;
  };

  /** A scratch block of at least `bytes` (contents undefined); grows, never shrinks. */
  const scratchOf = (bytes: number): number => {
    if (bytes > scratchBytes) {
      if (scratch >= 0) heap.release(scratch);
      scratch = heap.alloc(bytes);
      scratchBytes = bytes;
    }
    return scratch;
  };

  /** Writes int lists one after another into the parameter block; returns their offsets. */
  const writeParams = (...lists: number[][]): number[] => {
    const total = lists.reduce((a, l) => a + l.length, 0);
    if (total > PARAM_INTS) throw new Error(`wasm kernels: ${total} parameters exceed the block of ${PARAM_INTS}`);
    const view = heap.i32(params, PARAM_INTS);
    const offsets: number[] = [];
    let at = 0;
    for (const l of lists) {
      offsets.push(params + at * 4);
      view.set(l, at);
      at += l.length;
    }
    return offsets;
  };

  const alloc = (shape: Shape): WasmTensor => {
    const length = sizeOf(shape);
    const t: WasmTensor = { offset: heap.alloc(length * 4), length, shape: shape.slice() };
    tensors.add(t);
    return t;
  };

  const shapeOf = (plan: ExecutionPlan, id: number) => plan.tensors[id].shape;

  function conv(step: Step & { kind: 'conv' }, plan: ExecutionPlan, [x, w, b]: WasmTensor[], y: WasmTensor): void {
    const [N, C, H, W] = shapeOf(plan, step.inputs[0]);
    const [M, Cg, kh, kw] = shapeOf(plan, step.inputs[1]);
    const [, , OH, OW] = y.shape;
    const g = step.group;
    if (Cg * g !== C || M % g !== 0) throw new Error(`conv: x ${fmt([N, C, H, W])}, w ${fmt([M, Cg, kh, kw])} and group ${g} do not fit`);
    const depthwise = g === C && g > 1;
    if (!depthwise && useWinograd(kh, kw, step, Cg, M / g)) {
      const tiles = Math.ceil(OH / 2) * Math.ceil(OW / 2);
      const batch = Math.max(1, Math.min(N, Math.floor(WINOGRAD_COLUMNS / tiles)));
      const T = batch * tiles;
      const Mg = M / g;
      // Transformed tile positions: 16 for 3 x 3 filters, 36 for 5 x 5.
      const positions = (kh + 1) * (kh + 1);
      const work = scratchOf(positions * (Mg * Cg + Cg * T + Mg * T) * 4);
      const run = kh === 3 ? ex.fwdConvWinograd : ex.fwdConvWinograd5;
      run(x.offset, N, C, H, W, w.offset, M, b ? b.offset : 0, g, step.pads[0], step.pads[1], OH, OW, y.offset, batch, work);
      return;
    }
    const P = OH * OW;
    const batch = depthwise ? 1 : imagesPerGemm(P, N);
    const direct = batch === 1 && kh === 1 && kw === 1 && step.strides[0] === 1 && step.strides[1] === 1 && step.pads[0] === 0 && step.pads[1] === 0 && OH === H && OW === W;
    const colFloats = direct || depthwise ? 0 : Cg * kh * kw * P * batch;
    const cFloats = batch > 1 ? (M / g) * P * batch : 0;
    const col = colFloats + cFloats > 0 ? scratchOf((colFloats + cFloats) * 4) : 0;
    ex.fwdConv2d(
      x.offset, N, C, H, W, w.offset, M, kh, kw, b ? b.offset : 0, g,
      step.strides[0], step.strides[1], step.pads[0], step.pads[1], step.dilations[0], step.dilations[1],
      OH, OW, y.offset, col, batch, col + colFloats * 4,
    );
  }

  function gemm(step: Step & { kind: 'gemm' }, plan: ExecutionPlan, [a, b, c]: WasmTensor[], y: WasmTensor): void {
    const as = shapeOf(plan, step.inputs[0]);
    const bs = shapeOf(plan, step.inputs[1]);
    if (as.length !== 2 || bs.length !== 2) throw new Error(`gemm: A ${fmt(as)} and B ${fmt(bs)} must be 2-D`);
    const [M, K] = step.transA ? [as[1], as[0]] : as;
    const [KB, N] = step.transB ? [bs[1], bs[0]] : bs;
    if (K !== KB || y.length !== M * N) throw new Error(`gemm: op(A) ${M}x${K}, op(B) ${KB}x${N} and output ${fmt(y.shape)} do not fit`);
    let beta = 0;
    if (c && step.beta !== 0) {
      // Y = C broadcast to (M, N), then Y = alpha A B + beta Y.
      broadcastCopy(c, shapeOf(plan, step.inputs[2]!), [M, N], y);
      beta = step.beta;
    }
    ex.sgemm(step.transA ? 1 : 0, step.transB ? 1 : 0, M, N, K, step.alpha, a.offset, as[1], b.offset, bs[1], beta, y.offset, N);
  }

  /** y (dense, shape `to`) = x broadcast numpy-style. */
  function broadcastCopy(x: WasmTensor, from: readonly number[], to: readonly number[], y: WasmTensor): void {
    const m = mergeAxes(to, [broadcastStrides('broadcast', from, to)]);
    if (m.dims.length > MAX_RANK) throw new Error(`broadcast of ${fmt(from)} to ${fmt(to)}: more than ${MAX_RANK} axes`);
    const [dims, strides] = writeParams(m.dims, m.strides[0]);
    ex.fwdGather(x.offset, y.offset, m.dims.length, dims, strides);
  }

  function matmul(step: Step & { kind: 'matmul' }, plan: ExecutionPlan, [a, b]: WasmTensor[], y: WasmTensor): void {
    const as = shapeOf(plan, step.inputs[0]);
    const bs = shapeOf(plan, step.inputs[1]);
    const a2 = as.length === 1 ? [1, as[0]] : as;
    const b2 = bs.length === 1 ? [bs[0], 1] : bs;
    const [M, K] = a2.slice(-2);
    const [KB, N] = b2.slice(-2);
    if (K !== KB) throw new Error(`matmul: A ${fmt(as)} has ${K} columns, B ${fmt(bs)} has ${KB} rows`);
    const rank = Math.max(a2.length, b2.length) - 2;
    const bA = a2.slice(0, -2);
    const bB = b2.slice(0, -2);
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) {
      const da = bA[bA.length - rank + i] ?? 1;
      const db = bB[bB.length - rank + i] ?? 1;
      if (da !== db && da !== 1 && db !== 1) throw new Error(`matmul: batch dimensions of A ${fmt(as)} and B ${fmt(bs)} do not broadcast`);
      dims.push(Math.max(da, db));
    }
    const batch = sizeOf(dims);
    if (batch * M * N !== y.length) throw new Error(`matmul: output ${fmt(y.shape)} does not hold ${fmt(dims)} products of ${M}x${N}`);
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
      ex.sgemm(0, 0, M, N, K, 1, a.offset + oa * M * K * 4, K, b.offset + ob * K * N * 4, N, 0, y.offset + i * M * N * 4, N);
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) break;
        idx[d] = 0;
      }
    }
  }

  function binary(step: Step & { kind: 'binary' }, plan: ExecutionPlan, [a, b]: WasmTensor[], y: WasmTensor): void {
    const as = shapeOf(plan, step.inputs[0]);
    const bs = shapeOf(plan, step.inputs[1]);
    const to = y.shape;
    const m = mergeAxes(to, [broadcastStrides(`${step.fn} a`, as, to), broadcastStrides(`${step.fn} b`, bs, to)]);
    if (m.dims.length > MAX_RANK) throw new Error(`${step.fn}: more than ${MAX_RANK} axes after merging (${fmt(to)})`);
    const [dims, sa, sb] = writeParams(m.dims, m.strides[0], m.strides[1]);
    ex.fwdBinary(step.fn === 'mul' ? 1 : 0, a.offset, b.offset, y.offset, m.dims.length, dims, sa, sb);
  }

  function pool(step: Step & { kind: 'maxpool' | 'avgpool' }, plan: ExecutionPlan, [x]: WasmTensor[], y: WasmTensor): void {
    const xs = shapeOf(plan, step.inputs[0]);
    if (xs.length !== 4 || y.shape.length !== 4) throw new Error(`${step.kind}: x ${fmt(xs)} and output ${fmt(y.shape)} must be NCHW`);
    const [N, C, H, W] = xs;
    const [, , OH, OW] = y.shape;
    const mode = step.kind === 'maxpool' ? 0 : step.countIncludePad ? 2 : 1;
    const [pt, pl, pb, pr] = step.pads;
    const row = scratchOf(W * 4);
    ex.fwdPool2d(mode, x.offset, N * C, H, W, step.kernel[0], step.kernel[1], step.strides[0], step.strides[1], pt, pl, pb, pr, step.dilations[0], step.dilations[1], OH, OW, y.offset, row);
  }

  /** (N, C, S) view of a tensor with a channel axis. */
  const ncs = (what: string, s: readonly number[]): [number, number, number] => {
    if (s.length < 2) throw new Error(`${what}: x ${fmt(s)} needs a channel axis (N, C, ...)`);
    return [s[0], s[1], sizeOf(s.slice(2))];
  };

  function concat(step: Step & { kind: 'concat' }, plan: ExecutionPlan, inputs: WasmTensor[], y: WasmTensor): void {
    const rank = y.shape.length;
    const axis = step.axis < 0 ? step.axis + rank : step.axis;
    if (axis < 0 || axis >= rank) throw new Error(`concat: axis ${step.axis} out of range for output ${fmt(y.shape)}`);
    const outer = sizeOf(y.shape.slice(0, axis));
    const inner = sizeOf(y.shape.slice(axis + 1));
    const rowBytes = y.shape[axis] * inner * 4;
    let at = 0;
    inputs.forEach((t, k) => {
      const s = shapeOf(plan, step.inputs[k]);
      const slab = s[axis] * inner * 4;
      if (slab > 0 && outer > 0) ex.fwdCopyBlocks(t.offset, y.offset + at, outer, slab, rowBytes, slab);
      at += slab;
    });
    if (at !== rowBytes) throw new Error(`concat: inputs fill ${at / 4 / Math.max(1, inner)} of the ${y.shape[axis]} places of axis ${axis}`);
  }

  function transpose(step: Step & { kind: 'transpose' }, plan: ExecutionPlan, [x]: WasmTensor[], y: WasmTensor): void {
    const xs = shapeOf(plan, step.inputs[0]);
    const inStrides = stridesOf(xs);
    const dims = step.perm.map((p) => xs[p]);
    const m = mergeAxes(dims, [step.perm.map((p) => inStrides[p])]);
    if (m.dims.length > MAX_RANK) throw new Error(`transpose: more than ${MAX_RANK} axes after merging (${fmt(xs)})`);
    const [d, s] = writeParams(m.dims, m.strides[0]);
    ex.fwdGather(x.offset, y.offset, m.dims.length, d, s);
  }

  function pad(step: Step & { kind: 'pad' }, plan: ExecutionPlan, [x]: WasmTensor[], y: WasmTensor): void {
    const xs = shapeOf(plan, step.inputs[0]);
    const rank = xs.length;
    if (step.pads.length !== 2 * rank) throw new Error(`pad: ${step.pads.length} pads for x ${fmt(xs)}`);
    if (rank > MAX_RANK) throw new Error(`pad: more than ${MAX_RANK} axes (${fmt(xs)})`);
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
      ex.fwdPad(x.offset, y.offset, rank, mapBlock, mapBlock + rank * 4, step.value);
    } finally {
      heap.release(mapBlock);
    }
  }

  function runStep(step: Step, plan: ExecutionPlan, inputs: WasmTensor[], y: WasmTensor): void {
    switch (step.kind) {
      case 'conv':
        return conv(step, plan, inputs, y);
      case 'gemm':
        return gemm(step, plan, inputs, y);
      case 'matmul':
        return matmul(step, plan, inputs, y);
      case 'unary': {
        const [x] = inputs;
        return ex.fwdUnary(UNARY_CODES[step.fn], x.offset, y.offset, y.length, step.alpha, step.min, step.max);
      }
      case 'binary':
        return binary(step, plan, inputs, y);
      case 'maxpool':
      case 'avgpool':
        return pool(step, plan, inputs, y);
      case 'globalavgpool': {
        const [N, C, S] = ncs('globalavgpool', shapeOf(plan, step.inputs[0]));
        return ex.fwdGlobalAvgPool(inputs[0].offset, N * C, S, y.offset);
      }
      case 'lrn': {
        const [N, C, S] = ncs('lrn', shapeOf(plan, step.inputs[0]));
        return ex.fwdLrn(inputs[0].offset, N, C, S, step.size, step.alpha, step.beta, step.bias, y.offset);
      }
      case 'channelaffine': {
        const [N, C, S] = ncs('channelaffine', shapeOf(plan, step.inputs[0]));
        const [x, scale, shift] = inputs;
        if (scale.length !== C || shift.length !== C) throw new Error(`channelaffine: ${scale.length} scales and ${shift.length} shifts for ${C} channels`);
        return ex.fwdChannelAffine(x.offset, N, C, S, scale.offset, shift.offset, y.offset);
      }
      case 'softmax': {
        if (step.outer * step.axis * step.inner !== y.length) throw new Error(`softmax: view (${step.outer}, ${step.axis}, ${step.inner}) does not cover ${fmt(y.shape)}`);
        return ex.fwdSoftmax(inputs[0].offset, step.outer, step.axis, step.inner, y.offset);
      }
      case 'concat':
        return concat(step, plan, inputs, y);
      case 'transpose':
        return transpose(step, plan, inputs, y);
      case 'pad':
        return pad(step, plan, inputs, y);
      case 'reshape':
        throw new Error('wasm kernels: reshape steps alias their input in the executor and never reach run()');
      default:
        throw new Error(`wasm kernels: no kernel for step kind "${(step as { kind: string }).kind}"`);
    }
  }

  return {
    name: 'wasm-simd',
    upload(data, shape) {
      if (disposed) throw new Error('wasm kernels: used after dispose()');
      if (data.length !== sizeOf(shape)) throw new Error(`wasm kernels: upload of ${data.length} values for shape ${fmt(shape)}`);
      const t = alloc(shape);
      heap.f32(t.offset, t.length).set(data);
      return t;
    },
    alloc(shape) {
      if (disposed) throw new Error('wasm kernels: used after dispose()');
      return alloc(shape);
    },
    run(step, plan, inputs, output) {
      inputs.forEach((t, i) => check(t, `input ${i} (${plan.tensors[step.inputs[i]]?.name})`));
      check(output, `output ${plan.tensors[step.output].name}`);
      if (output.length !== sizeOf(plan.tensors[step.output].shape)) {
        throw new Error(`wasm kernels: output of ${output.length} values for ${plan.tensors[step.output].name} ${fmt(plan.tensors[step.output].shape)}`);
      }
      runStep(step, plan, inputs, output);
    },
    async read(t) {
      check(t, 'a tensor read back');
      return heap.f32(t.offset, t.length).slice();
    },
    free(t) {
      check(t, 'a tensor freed');
      tensors.delete(t);
      heap.release(t.offset);
    },
    dispose() {
      disposed = true;
    },
  };
}
