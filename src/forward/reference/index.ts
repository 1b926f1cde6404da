// The reference backend: OpKernels over plain host tensors, dispatching each plan step to the
// reference function of its op family. It is the living definition the WASM and WebGPU kernels
// are tested against, and a backend in its own right (slow: float64 sums, no SIMD, one thread).
import type { OpKernels } from '../kernels.js';
import type { ExecutionPlan, Step } from '../plan.js';
import { conv2d } from './conv.js';
import { binary, channelAffine, unary } from './elementwise.js';
import { gemm, matmul } from './gemm.js';
import { concat, pad, transpose } from './layout.js';
import { lrn } from './lrn.js';
import { avgPool2d, globalAvgPool, maxPool2d, type Pool2dParams } from './pool.js';
import { softmax } from './softmax.js';
import { type RefTensor, sizeOf } from './tensor.js';
import { formatShape } from '../../util/shape.js';

export type { RefTensor } from './tensor.js';
export * from './conv.js';
export * from './elementwise.js';
export * from './gemm.js';
export * from './layout.js';
export * from './lrn.js';
export * from './pool.js';
export * from './softmax.js';
export { broadcastShapes, sizeOf } from './tensor.js';

type Kind = Exclude<Step['kind'], 'reshape'>;
/** One kernel: computes `step` from its inputs into `out` and returns the tensor it computed. */
type Kernel<K extends Kind> = (step: Step & { kind: K }, inputs: RefTensor[], out: Float32Array, plan: ExecutionPlan) => RefTensor;

/** Pooling takes its output size from the plan: the compiler has applied ceil_mode. */
function poolParams(step: Step & { kind: 'maxpool' | 'avgpool' }, plan: ExecutionPlan): Pool2dParams {
  const shape = plan.tensors[step.output].shape;
  return { ...step, outputSize: [shape[2], shape[3]] };
}

/** Step kind -> reference function. The ConvStep, GemmStep, ... objects are the params. */
const KERNELS: { [K in Kind]: Kernel<K> } = {
  conv: (s, [x, w, b], out) => conv2d(x, w, b?.data, s, out),
  gemm: (s, [a, b, c], out) => gemm(a, b, c, s, out),
  matmul: (_s, [a, b], out) => matmul(a, b, out),
  unary: (s, [x], out) => unary(x, s, out),
  binary: (s, [a, b], out) => binary(s.fn, a, b, out),
  maxpool: (s, [x], out, plan) => maxPool2d(x, poolParams(s, plan), out),
  avgpool: (s, [x], out, plan) => avgPool2d(x, poolParams(s, plan), out),
  globalavgpool: (_s, [x], out) => globalAvgPool(x, out),
  lrn: (s, [x], out) => lrn(x, s, out),
  channelaffine: (_s, [x, scale, shift], out) => channelAffine(x, scale.data, shift.data, out),
  softmax: (s, [x], out) => softmax(x, s, out),
  concat: (s, inputs, out) => concat(inputs, s.axis, out),
  transpose: (s, [x], out) => transpose(x, s.perm, out),
  pad: (s, [x], out) => pad(x, s.pads, s.mode, s.value, out),
};

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The reference OpKernels. Tensors are host arrays; upload copies (the caller may reuse its
 * buffer), read copies (the tensor may be freed). A freed tensor is poisoned: using it again, or
 * freeing it twice, throws, so executor lifetime bugs surface here rather than as wrong numbers.
 */
export function createReferenceKernels(): OpKernels<RefTensor> {
  const freed = new WeakSet<RefTensor>();
  const live = (t: RefTensor, what: string) => {
    if (freed.has(t)) throw new Error(`reference kernels: ${what} was already freed`);
    return t;
  };
  return {
    name: 'reference',
    upload: (data, shape) => {
      if (data.length !== sizeOf(shape)) throw new Error(`reference kernels: upload of ${data.length} values for shape ${formatShape(shape)}`);
      return { shape: shape.slice(), data: data.slice() };
    },
    alloc: (shape) => ({ shape: shape.slice(), data: new Float32Array(sizeOf(shape)) }),
    run(step, plan, inputs, output) {
      const kernel = Object.hasOwn(KERNELS, step.kind) ? (KERNELS[step.kind as Kind] as Kernel<Kind>) : undefined;
      if (!kernel) {
        const why = step.kind === 'reshape' ? ' (reshape steps alias their input in the executor and never reach run)' : '';
        throw new Error(`reference kernels: no kernel for step kind "${step.kind}"${why} (${step.opType} node ${step.node})`);
      }
      // A handle may be shared by reshape aliases of other shapes: read it with the shape the
      // plan gives this step's input.
      const views = inputs.map((t, i) => {
        const { name, shape } = plan.tensors[step.inputs[i]];
        live(t, `input ${i} (${name})`);
        if (t.data.length !== sizeOf(shape)) throw new Error(`reference kernels: input ${name} holds ${t.data.length} values, its shape ${formatShape(shape)} needs ${sizeOf(shape)}`);
        return { shape, data: t.data };
      });
      const name = plan.tensors[step.output].name;
      live(output, `output ${name}`);
      const y = kernel(step as Step & { kind: Kind }, views, output.data, plan);
      // The functions derive the output shape from their operands: it must be the plan's.
      if (!sameShape(y.shape, output.shape)) {
        throw new Error(`reference ${step.kind}: computed shape ${formatShape(y.shape)} but the plan gives ${name} shape ${formatShape(output.shape)}`);
      }
    },
    read: async (t) => live(t, 'a tensor read back').data.slice(),
    free(t) {
      live(t, 'a tensor freed');
      freed.add(t);
    },
    dispose() {},
  };
}
