// Shared harness of the forward-pass tests: run a model in onnxruntime (the ground truth), run it
// through compilePlan + PlanRunner on any OpKernels (reference, WASM, WebGPU), compare.
//
//   for (const c of opCases) it(c.name, () => checkCase(c, kernels));
//
// or piecewise:
//   const input = caseInput(c);
//   const expected = await runOnnxruntime(c.model, { [c.model.inputs[0].name]: { data: input, dims: c.inputShape } });
//   const actual = await runPlanWith(c.model, input, c.inputShape, kernels);
//   expectClose(actual.data, expected.data, c.rel, c.name);
import * as ort from 'onnxruntime-node';
import { seededUniform } from '../../src/util/random.js';
import { compilePlan } from '../../src/forward/compile.js';
import { PlanRunner } from '../../src/forward/executor.js';
import type { OpKernels } from '../../src/forward/kernels.js';
import type { ExecutionPlan } from '../../src/forward/plan.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import type { OpCase } from './op-cases.js';

export interface HostTensor {
  data: Float32Array;
  dims: number[];
}

/**
 * Runs `model` in onnxruntime (CPU) and returns graph output 0, or the outputs named in
 * `outputs` (which must be graph outputs; see withOutputs) when given, in that order.
 */
export async function runOnnxruntime(model: OnnxModel, inputs: Record<string, HostTensor>): Promise<HostTensor>;
export async function runOnnxruntime(model: OnnxModel, inputs: Record<string, HostTensor>, outputs: string[]): Promise<HostTensor[]>;
export async function runOnnxruntime(model: OnnxModel, inputs: Record<string, HostTensor>, outputs?: string[]): Promise<HostTensor | HostTensor[]> {
  const session = await ort.InferenceSession.create(encodeOnnx(model), { graphOptimizationLevel: 'disabled' });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', t.data, t.dims);
    const names = outputs ?? [session.outputNames[0]];
    const result = await session.run(feeds, names);
    const out = names.map((n) => {
      const t = result[n];
      if (t.type !== 'float32') throw new Error(`onnxruntime output ${n} is ${t.type}, not float32`);
      return { data: new Float32Array(t.data as Float32Array), dims: [...t.dims] };
    });
    return outputs ? out : out[0];
  } finally {
    await session.release();
  }
}

/** A copy of `model` whose graph outputs also include `names` (intermediate values), shapes unknown. */
export function withOutputs(model: OnnxModel, names: string[]): OnnxModel {
  const have = new Set(model.outputs.map((o) => o.name));
  return { ...model, outputs: [...model.outputs, ...names.filter((n) => !have.has(n)).map((name) => ({ name, elemType: 1, dims: [] }))] };
}

export interface PlanResult extends HostTensor {
  plan: ExecutionPlan;
  /** The tensors named in `captures`, in order. */
  captured: HostTensor[];
}

/**
 * Compiles `model` for `inputShape` and runs it on `kernels`: returns graph output 0 (data and
 * the shape the plan inferred), plus any captured tensors.
 */
export async function runPlanWith<T>(model: OnnxModel, input: Float32Array, inputShape: number[], kernels: OpKernels<T>, captures: string[] = []): Promise<PlanResult> {
  const plan = compilePlan(model, inputShape, { captures });
  const runner = new PlanRunner(plan, kernels);
  try {
    const idOf = (name: string) => {
      const t = plan.tensors.find((x) => x.name === name);
      if (!t) throw new Error(`the plan has no tensor ${name}`);
      return t.id;
    };
    const ids = [plan.outputs[0], ...captures.map(idOf)];
    const [out, ...rest] = await runner.run(input, ids);
    return {
      data: out,
      dims: [...plan.tensors[plan.outputs[0]].shape],
      plan,
      captured: rest.map((data, i) => ({ data, dims: [...plan.tensors[ids[i + 1]].shape] })),
    };
  } finally {
    runner.dispose();
  }
}

/**
 * Throws unless |a - e| <= rel * max(1, max|e|) for every element (and the lengths agree); the
 * message reports the worst element. NaN anywhere in `actual` where `expected` is finite fails.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4, label = ''): void {
  const prefix = label ? `${label}: ` : '';
  if (actual.length !== expected.length) throw new Error(`${prefix}length ${actual.length}, expected ${expected.length}`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const tol = rel * scale;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const err = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(e) || a === e ? 0 : Math.abs(a - e);
    if (err > worstErr || Number.isNaN(err)) {
      worstErr = Number.isNaN(err) ? Infinity : err;
      worst = i;
    }
  }
  if (worst >= 0 && worstErr > tol) {
    throw new Error(`${prefix}element ${worst} is ${actual[worst]}, expected ${expected[worst]} (|diff| ${worstErr.toExponential(3)} > ${tol.toExponential(3)} = ${rel} x max(1, max|e| = ${scale.toPrecision(4)}))`);
  }
}

/** The case's input, or seeded uniform values in [-1, 1) (seed from the case name). */
export function caseInput(c: OpCase): Float32Array {
  if (c.input) return c.input;
  const n = c.inputShape.reduce((a, b) => a * b, 1);
  let seed = 17;
  for (const ch of c.name) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
  const u = seededUniform(seed);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 2 * u() - 1;
  return data;
}

/** onnxruntime's output 0 for a case, or the case's own `expected` (cached: the cases are shared by every backend). */
const expectedCache = new WeakMap<OpCase, Promise<HostTensor>>();
export function expectedFor(c: OpCase): Promise<HostTensor> {
  let p = expectedCache.get(c);
  if (!p) {
    p = c.expected ? Promise.resolve(c.expected(caseInput(c))) : runOnnxruntime(c.model, { [c.model.inputs[0].name]: { data: caseInput(c), dims: c.inputShape } });
    expectedCache.set(c, p);
  }
  return p;
}

/** Runs a case on `kernels` and checks shape and values against onnxruntime. */
export async function checkCase<T>(c: OpCase, kernels: OpKernels<T>, rel = c.rel ?? 1e-4): Promise<void> {
  const expected = await expectedFor(c);
  const actual = await runPlanWith(c.model, caseInput(c), c.inputShape, kernels);
  if (JSON.stringify(actual.dims) !== JSON.stringify(expected.dims)) {
    throw new Error(`${c.name}: the plan infers output shape ${JSON.stringify(actual.dims)}, onnxruntime gives ${JSON.stringify(expected.dims)}`);
  }
  expectClose(actual.data, expected.data, rel, `${c.name} on ${kernels.name}`);
}
