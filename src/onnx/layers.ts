// Which tensors of a model can be probed, and which are probed by default. Every node output is
// capturable; its shape comes from the planner's shape inference run at two batch sizes, so that
// the batch axis shows as a symbol (N) and everything else as numbers. The default layers are the
// classic ones of the Convergent Learning paper: the ReLU after every Conv (conv1, conv2, ...)
// and after every fully connected Gemm/MatMul (fc1, fc2, ...), also when a BatchNormalization or
// an Add (a bias, a residual shortcut) sits between them.
import { inferValueShapes, modelInputDims } from '../forward/compile.js';
import type { Dim, OnnxModel, OnnxNode } from './model.js';

export interface LayerInfo {
  /** Suggested short name: conv1 / fc1 for default layers, else <op>_<k> (relu_3, maxpool_2). */
  name: string;
  /** The ONNX value name (what --layer NAME=TENSOR captures). */
  tensor: string;
  op: string;
  node: string;
  /** Shape with the batch axis symbolic ('N'); [] when it could not be inferred (see `error`). */
  shape: Dim[];
  /** Whether it is one of defaultLayers(). */
  isDefault: boolean;
  /** Why the shape is unknown. */
  error?: string;
}

export interface DefaultLayer {
  name: string;
  tensor: string;
}

const SOURCES: Record<string, 'conv' | 'fc'> = { Conv: 'conv', Gemm: 'fc', MatMul: 'fc' };
/** Ops that may sit between a Conv/Gemm and its ReLU without changing what the layer is. */
const PASS_THROUGH = new Set(['BatchNormalization', 'Add']);

/** The Relu outputs after a Conv or Gemm/MatMul, named conv1, conv2, ... / fc1, fc2, ... in graph order. */
export function defaultLayers(model: OnnxModel): DefaultLayer[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of model.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  /** The kind of layer feeding `value`, looking back through BN/Add nodes (a few levels). */
  const sourceOf = (value: string, depth: number): 'conv' | 'fc' | undefined => {
    const n = producer.get(value);
    if (!n) return undefined;
    if (SOURCES[n.opType]) return SOURCES[n.opType];
    if (depth === 0 || !PASS_THROUGH.has(n.opType)) return undefined;
    // BatchNormalization: its data input; Add: the first input that comes from a layer.
    const inputs = n.opType === 'BatchNormalization' ? n.inputs.slice(0, 1) : n.inputs;
    for (const i of inputs) {
      const s = i ? sourceOf(i, depth - 1) : undefined;
      if (s) return s;
    }
    return undefined;
  };
  const counts = { conv: 0, fc: 0 };
  const layers: DefaultLayer[] = [];
  for (const n of model.nodes) {
    if (n.opType !== 'Relu' || !n.outputs[0] || !n.inputs[0]) continue;
    const kind = sourceOf(n.inputs[0], 3);
    if (!kind) continue;
    layers.push({ name: `${kind}${++counts[kind]}`, tensor: n.outputs[0] });
  }
  return layers;
}

/**
 * Every capturable tensor (each node output, in graph order) with its shape. `itemShape` (the
 * input shape without the batch) is needed only when the model leaves non-batch input dims symbolic.
 */
export function listLayers(model: OnnxModel, itemShape?: number[]): LayerInfo[] {
  const defaults = new Map(defaultLayers(model).map((l) => [l.tensor, l.name]));
  const shapes = symbolicShapes(model, itemShape);
  const perOp = new Map<string, number>();
  const out: LayerInfo[] = [];
  for (const n of model.nodes) {
    n.outputs.forEach((tensor, k) => {
      if (!tensor) return;
      const op = n.opType;
      let name = defaults.get(tensor);
      if (!name) {
        const index = (perOp.get(op) ?? 0) + 1;
        perOp.set(op, index);
        name = `${op.toLowerCase()}_${index}${k > 0 ? `.${k}` : ''}`;
      }
      const s = shapes.get(tensor);
      out.push({ name, tensor, op, node: n.name, shape: s?.shape ?? [], isDefault: defaults.has(tensor), ...(s?.error ? { error: s.error } : {}) });
    });
  }
  return out;
}

/** Shapes at batch 1 and 2: a dim that doubles is batch-sized (N, or N*k when a reshape folded it). */
function symbolicShapes(model: OnnxModel, itemShape?: number[]): Map<string, { shape: Dim[]; error?: string }> {
  const result = new Map<string, { shape: Dim[]; error?: string }>();
  let dims: Dim[];
  try {
    dims = modelInputDims(model);
  } catch (e) {
    for (const n of model.nodes) for (const o of n.outputs) if (o) result.set(o, { shape: [], error: (e as Error).message });
    return result;
  }
  const batchName = typeof dims[0] === 'string' && dims[0] ? dims[0] : 'N';
  const item = itemShape ?? dims.slice(1);
  const unknownItem = (!itemShape && dims.length === 0) || item.some((d) => typeof d !== 'number' || d < 1);
  if (unknownItem) {
    const why = `the model's input dims ${JSON.stringify(dims)} leave the item shape open; give it (e.g. --input 3,224,224)`;
    for (const n of model.nodes) for (const o of n.outputs) if (o) result.set(o, { shape: [], error: why });
    return result;
  }
  const one = inferValueShapes(model, [1, ...(item as number[])]);
  const two = inferValueShapes(model, [2, ...(item as number[])]);
  for (const n of model.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      const a = one.shapes.get(o);
      const b = two.shapes.get(o);
      if (!a || !b || a.length !== b.length) {
        result.set(o, { shape: [], error: one.failures.get(o) ?? two.failures.get(o) ?? 'not computed' });
        continue;
      }
      result.set(
        o,
        { shape: a.map((d, i) => (d === b[i] ? d : b[i] === 2 * d ? (d === 1 ? batchName : `${batchName}*${d}`) : null)) },
      );
    }
  }
  return result;
}
