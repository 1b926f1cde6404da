// The planner: an ONNX graph + a concrete input shape -> an ExecutionPlan (src/forward/plan.ts).
// checkSupported() refuses, before any work, what convergent cannot run (ops outside
// SUPPORTED_OPS, custom domains, opsets before 7, several or non-float inputs). compilePlan()
// keeps only the nodes the outputs and captures need, infers every shape, folds what is known
// at compile time (Constant nodes, shapes, BatchNorm into the Conv before it, bias Adds), and
// drops constants no step reads. inferValueShapes() runs the same lowering over every node, with
// no fusion, for `convergent layers`. The per-op rules live in compile-ops.ts.
import type { Dim, OnnxModel, OnnxValueInfo } from '../inputs/onnx/model.js';
import { type GraphView, NodeContext, PlanBuilder, type Value } from './compile-context.js';
import { LOWERINGS } from './compile-ops.js';
import type { ExecutionPlan, PlanTensor, Step } from './plan.js';
import { withArticle } from '../util/article.js';

/** The ONNX ops (default domain) convergent runs. */
export const SUPPORTED_OPS: readonly string[] = [
  'Conv',
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'LRN',
  'BatchNormalization',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Concat',
  'Flatten',
  'Reshape',
  'Transpose',
  'Softmax',
  'Dropout',
  'Identity',
  'Constant',
  'Pad',
];

const MIN_OPSET = 7;
const FLOAT = 1;

const isDefaultDomain = (domain: string) => domain === '' || domain === 'ai.onnx';

/** Throws, naming `path`, unless every node of `model` is something convergent can run. */
export function checkSupported(model: OnnxModel, path: string): void {
  if (model.opset < MIN_OPSET) throw new Error(`${path}: opset ${model.opset} is older than ${MIN_OPSET}, the oldest convergent runs (convert it with onnx.version_converter)`);
  dataInput(model, path);
  const custom = model.nodes.filter((n) => !isDefaultDomain(n.domain));
  if (custom.length > 0) {
    const n = custom[0];
    throw new Error(`${path}: node "${n.name}" is ${n.opType} from domain "${n.domain}"${custom.length > 1 ? ` (and ${custom.length - 1} more custom-domain nodes)` : ''}; convergent runs default-domain ONNX ops only`);
  }
  const bad = model.nodes.filter((n) => !SUPPORTED_OPS.includes(n.opType));
  if (bad.length > 0) {
    const n = bad[0];
    const others = [...new Set(bad.slice(1).map((b) => b.opType))];
    throw new Error(
      `${path}: node "${n.name}" is ${withArticle(n.opType)}, an op convergent cannot run` +
        (bad.length > 1 ? ` (${bad.length - 1} more unsupported nodes${others.length ? `: ${others.join(', ')}` : ''})` : '') +
        `; supported ops: ${SUPPORTED_OPS.join(', ')}`,
    );
  }
}

/** The single float data input, or an error naming `label`. */
function dataInput(model: OnnxModel, label: string): OnnxValueInfo {
  if (model.inputs.length !== 1) {
    throw new Error(`${label}: the model has ${model.inputs.length} data inputs${model.inputs.length ? ` (${model.inputs.map((i) => i.name).join(', ')})` : ''}; convergent feeds exactly one`);
  }
  const input = model.inputs[0];
  if (input.elemType !== FLOAT && input.elemType !== 0) throw new Error(`${label}: input "${input.name}" has element type ${input.elemType}; convergent feeds float32 (type 1) only`);
  return input;
}

/** The declared dims of the model's data input (numbers, symbolic names, or null). */
export function modelInputDims(model: OnnxModel): Dim[] {
  return [...dataInput(model, model.graphName || 'model').dims];
}

function checkInputShape(input: OnnxValueInfo, shape: number[]): void {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`input shape ${JSON.stringify(shape)} must be positive integers`);
  if (input.dims.length === 0) return; // shape not declared: anything goes
  if (input.dims.length !== shape.length) {
    throw new Error(`input "${input.name}" has rank ${input.dims.length} (${JSON.stringify(input.dims)}) but the data has shape ${JSON.stringify(shape)} (rank ${shape.length})`);
  }
  input.dims.forEach((d, i) => {
    // Exporters often freeze the batch at the example's 1 (no dynamic axes); any batch then runs,
    // unless a Reshape hard-codes it, which that node reports.
    if (i === 0 && d === 1) return;
    if (typeof d === 'number' && d > 0 && d !== shape[i]) {
      throw new Error(`input "${input.name}" dim ${i} is ${d} in the model (${JSON.stringify(input.dims)}) but ${shape[i]} in the data (shape ${JSON.stringify(shape)})`);
    }
  });
}

/** Names close to `name` among `all` (substring either way, or a small edit distance). */
export function closeNames(name: string, all: Iterable<string>, limit = 8): string[] {
  const lower = name.toLowerCase();
  const scored: [string, number][] = [];
  for (const cand of all) {
    const c = cand.toLowerCase();
    // A candidate inside the name counts only if it is not trivially short ('c' is in everything).
    const d = c.includes(lower) || (c.length >= 4 && lower.includes(c)) ? 0 : editDistance(lower, c);
    if (d <= Math.max(2, Math.floor(lower.length / 3))) scored.push([cand, d]);
  }
  return scored.sort((a, b) => a[1] - b[1]).slice(0, limit).map(([n]) => n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

interface LowerOptions {
  /** Node indices to lower (all when undefined). */
  live?: Set<number>;
  /** Values read outside the graph's nodes (graph outputs, captures): never fused away. */
  pinned: Set<string>;
  fuse: boolean;
  /** Keep going past a failing node (its outputs stay unknown). */
  tolerant: boolean;
}

/** Lowers the graph's nodes in file (topological) order. */
function lower(model: OnnxModel, inputShape: number[], options: LowerOptions): { plan: PlanBuilder; values: Map<string, Value>; input: number; failures: Map<string, string> } {
  const input = dataInput(model, model.graphName || 'model');
  checkInputShape(input, inputShape);
  const plan = new PlanBuilder();
  const values = new Map<string, Value>();
  for (const t of model.initializers.values()) values.set(t.name, t.data ? { name: t.name, shape: [...t.dims], data: t.data } : { name: t.name, shape: [...t.dims], ints: t.ints ?? [] });
  const inputId = plan.tensor(input.name, inputShape);
  values.set(input.name, { name: input.name, shape: [...inputShape], id: inputId });

  const uses = new Map<string, number>();
  model.nodes.forEach((n, i) => {
    if (options.live && !options.live.has(i)) return;
    for (const name of n.inputs) if (name) uses.set(name, (uses.get(name) ?? 0) + 1);
  });
  for (const name of options.pinned) uses.set(name, (uses.get(name) ?? 0) + 1);
  const view: GraphView = { uses: (name) => uses.get(name) ?? 0, fuse: options.fuse };

  const failures = new Map<string, string>();
  model.nodes.forEach((node, i) => {
    if (options.live && !options.live.has(i)) return;
    try {
      if (!isDefaultDomain(node.domain)) throw new Error(`${node.opType} node "${node.name}" is from domain "${node.domain}"; convergent runs default-domain ONNX ops only`);
      const lowering = LOWERINGS[node.opType];
      if (!lowering) throw new Error(`${node.opType} node "${node.name}": ${node.opType} is not supported; supported ops: ${SUPPORTED_OPS.join(', ')}`);
      lowering(new NodeContext(node, model.opset, values, plan, view));
    } catch (e) {
      if (!options.tolerant) throw e;
      for (const out of node.outputs) if (out) failures.set(out, (e as Error).message);
    }
  });
  return { plan, values, input: inputId, failures };
}

/** Indices of the nodes needed for `targets` (walking producers back from them). */
function liveNodes(model: OnnxModel, targets: string[]): Set<number> {
  const producer = new Map<string, number>();
  model.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const live = new Set<number>();
  const stack = [...targets];
  while (stack.length > 0) {
    const i = producer.get(stack.pop()!);
    if (i === undefined || live.has(i)) continue;
    live.add(i);
    for (const name of model.nodes[i].inputs) if (name) stack.push(name);
  }
  return live;
}

export interface CompileOptions {
  /** ONNX value names whose tensors the caller will read (kept in the plan, never fused away). */
  captures?: string[];
  /**
   * Compute only what the captures need: the graph outputs are left out unless captured (a
   * forward engine reads nothing else; a probe of conv1-conv5 then skips the fc layers). Without
   * captures, the graph outputs are computed as usual.
   */
  capturesOnly?: boolean;
}

/** Compiles `model` for one input shape (batch first) into an execution plan. */
export function compilePlan(model: OnnxModel, inputShape: number[], options: CompileOptions = {}): ExecutionPlan {
  const label = model.graphName || 'model';
  if (model.opset < MIN_OPSET) throw new Error(`${label}: opset ${model.opset} is older than ${MIN_OPSET}, the oldest convergent runs`);
  const captures = options.captures ?? [];
  const known = new Set<string>([...model.initializers.keys(), ...model.inputs.map((i) => i.name), ...model.nodes.flatMap((n) => n.outputs.filter(Boolean))]);
  for (const name of captures) {
    if (!known.has(name)) {
      const near = closeNames(name, known);
      throw new Error(`${label}: there is no value "${name}" to capture${near.length ? `; close names: ${near.join(', ')}` : ''}`);
    }
  }
  const outputs = options.capturesOnly && captures.length > 0 ? [] : model.outputs.map((o) => o.name);
  if (outputs.length === 0 && captures.length === 0) throw new Error(`${label}: the graph has no outputs`);
  const targets = [...outputs, ...captures];
  const { plan, values, input } = lower(model, inputShape, { live: liveNodes(model, targets), pinned: new Set(targets), fuse: true, tolerant: false });
  const idOf = (name: string, what: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`${label}: ${what} "${name}" is not produced by any node`);
    return plan.idOf(v);
  };
  const outputIds = outputs.map((o) => idOf(o, 'graph output'));
  const captureIds = captures.map((c) => idOf(c, 'captured value'));
  return compact(plan, input, outputIds, captureIds, inputShape[0]);
}

/**
 * The final plan: only tensors that a step, the input, an output or a capture uses (a folded
 * BatchNorm leaves the unfolded weights behind), renumbered densely in order.
 */
function compact(b: PlanBuilder, input: number, outputs: number[], captures: number[], batch: number): ExecutionPlan {
  const used = new Set<number>([input, ...outputs, ...captures]);
  for (const s of b.steps) {
    used.add(s.output);
    for (const id of s.inputs) used.add(id);
  }
  const remap = new Map<number, number>();
  const tensors: PlanTensor[] = [];
  for (const t of b.tensors) {
    if (!used.has(t.id)) continue;
    remap.set(t.id, tensors.length);
    tensors.push({ ...t, id: tensors.length });
  }
  const r = (id: number) => remap.get(id)!;
  const steps = b.steps.map((s) => ({ ...s, inputs: s.inputs.map(r), output: r(s.output) }) as Step);
  return { tensors, input: r(input), outputs: outputs.map(r), steps, batch };
}

/**
 * The shape of every value of the graph for one input shape (every node, no fusion), and why a
 * value has none when its node cannot be lowered. For listing layers.
 */
export function inferValueShapes(model: OnnxModel, inputShape: number[]): { shapes: Map<string, number[]>; failures: Map<string, string> } {
  const { values, failures } = lower(model, inputShape, { pinned: new Set(), fuse: false, tolerant: true });
  const shapes = new Map<string, number[]>();
  for (const [name, v] of values) shapes.set(name, v.shape);
  return { shapes, failures };
}
