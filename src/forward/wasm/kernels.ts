// The WASM SIMD forward backend: OpKernels over tensors that live in one WASM instance's linear
// memory (assembly/forward/*). Each step is one call into the module; shapes come from the plan.
// The op families live one per file, named as in src/forward/reference/ (conv, gemm,
// elementwise, pool, lrn, softmax, layout); their shared state is ./context.ts. The kernels
// choose their paths from shapes that do not involve the batch axis' split, so running a batch
// in slices (src/forward/wasm/parallel.ts) gives bit-identical results.
//
// Memory: a WasmHeap (free lists by size class) above heapBase(); im2col scratch is one block
// kept at the largest size needed so far; small i32 parameter arrays (dims, strides) go to a
// fixed block. The kernels own the instance's memory above heapBase(): do not use the same
// instance's layout() alongside them.
import { sizeOf } from '../reference/tensor.js';
import type { OpKernels } from '../kernels.js';
import type { Step } from '../plan.js';
import { WasmInstance, fastestWasmVariant, wasmModule } from '../../kernels/wasm-module.js';
import { type WasmOpCall, type WasmOpContext, type WasmTensor, createOpContext } from './context.js';
import { formatShape } from '../../util/shape.js';
import { runConv } from './conv.js';
import { runBinary, runChannelAffine, runUnary } from './elementwise.js';
import { runGemm, runMatMul } from './gemm.js';
import { WasmHeap } from './heap.js';
import { runConcat, runPad, runTranspose } from './layout.js';
import { runLrn } from './lrn.js';
import { runGlobalAvgPool, runPool } from './pool.js';
import { runSoftmax } from './softmax.js';

export type { WasmTensor } from './context.js';

type Kind = Exclude<Step['kind'], 'reshape'>;
type Op<K extends Kind> = (ctx: WasmOpContext, call: WasmOpCall<Step & { kind: K }>) => void;

/** Step kind -> the op family's function. */
const OPS: { [K in Kind]: Op<K> } = {
  conv: runConv,
  gemm: runGemm,
  matmul: runMatMul,
  unary: runUnary,
  binary: runBinary,
  maxpool: runPool,
  avgpool: runPool,
  globalavgpool: runGlobalAvgPool,
  lrn: runLrn,
  channelaffine: runChannelAffine,
  softmax: runSoftmax,
  concat: runConcat,
  transpose: runTranspose,
  pad: runPad,
};

/**
 * WASM SIMD op kernels on `instance` (default: a new instance of the embedded module's fastest
 * build here, relaxed SIMD where the engine runs it: src/kernels/wasm-module.ts). The instance's
 * memory above heapBase() belongs to the kernels until dispose().
 */
export async function createWasmKernels(instance?: WasmInstance): Promise<OpKernels<WasmTensor>> {
  const wasm = instance ?? (await WasmInstance.create(await wasmModule(fastestWasmVariant())));
  return wasmKernelsOn(wasm);
}

/** The kernels on an instance that already exists (synchronous; used by the worker too). */
export function wasmKernelsOn(wasm: WasmInstance): OpKernels<WasmTensor> {
  const ex = wasm.exports;
  if (typeof ex.sgemm !== 'function' || typeof ex.fwdConv2d !== 'function') {
    throw new Error('wasm kernels: the WASM module has no forward kernels (rebuild with npm run build:kernels)');
  }
  const heap = new WasmHeap(wasm.memory, Number(ex.heapBase()));
  const ctx = createOpContext(ex, heap);
  let disposed = false;
  const tensors = new WeakSet<WasmTensor>();

  const check = (t: WasmTensor, what: string) => {
    if (disposed) throw new Error('wasm kernels: used after dispose()');
    if (!tensors.has(t)) throw new Error(`wasm kernels: ${what} is not a live tensor of these kernels (freed, or from another backend)`);
    return t;
  };

  const alloc = (shape: number[]): WasmTensor => {
    const length = sizeOf(shape);
    const t: WasmTensor = { offset: heap.alloc(length * 4), length, shape: shape.slice() };
    tensors.add(t);
    return t;
  };

  return {
    name: 'wasm-simd',
    upload(data, shape) {
      if (disposed) throw new Error('wasm kernels: used after dispose()');
      if (data.length !== sizeOf(shape)) throw new Error(`wasm kernels: upload of ${data.length} values for shape ${formatShape(shape)}`);
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
        throw new Error(`wasm kernels: output of ${output.length} values for ${plan.tensors[step.output].name} ${formatShape(plan.tensors[step.output].shape)}`);
      }
      if (step.kind === 'reshape') throw new Error('wasm kernels: reshape steps alias their input in the executor and never reach run()');
      const op = Object.hasOwn(OPS, step.kind) ? (OPS[step.kind as Kind] as Op<Kind>) : undefined;
      if (!op) throw new Error(`wasm kernels: no kernel for step kind "${(step as { kind: string }).kind}"`);
      op(ctx, { step, plan, inputs, output });
    },
    async read(t) {
      check(t, 'a tensor read back');
      return heap.f32(t.offset, t.length).slice();
    },
    free(t) {
      check(t, 'a tensor freed');
      tensors.delete(t);
      ctx.releaseDerived(t);
      heap.release(t.offset);
    },
    dispose() {
      disposed = true;
    },
  };
}
