// Which tensors of a model can be probed, and which are probed by default. Every node output is
// capturable; its shape comes from the planner's shape inference run at two batch sizes, so that
// the batch axis shows as a symbol (N) and everything else as numbers. The default layers are the
// classic ones of the Convergent Learning paper: the ReLU after every Conv (conv1, conv2, ...)
// and after every fully connected Gemm/MatMul (fc1, fc2, ...), also when a BatchNormalization or
// an Add (a bias, a residual shortcut) sits between them.
import { inferValueShapes, modelInputDims } from '../forward/compile.js';
import type { Dim, OnnxModel, OnnxNode } from './model.js';

export interface LayerInfo {
  /** Short name (layerNames): conv1 / fc1 for default layers, conv1.conv before conv1's ReLU, else <op>.<k> (relu.3, maxpool.2). */
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

interface DefaultLayerChain extends DefaultLayer {
  /** The nodes from the Conv/Gemm to the ReLU's input (the source first), e.g. [Conv, BatchNormalization]. */
  chain: OnnxNode[];
}

/** The default layers with the nodes that feed each ReLU from its Conv or Gemm. */
function defaultLayerChains(model: OnnxModel): DefaultLayerChain[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of model.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  /** The nodes from the layer feeding `value` up to `value`, looking back through BN/Add nodes (a few levels). */
  const chainOf = (value: string, depth: number): OnnxNode[] | undefined => {
    const n = producer.get(value);
    if (!n) return undefined;
    if (SOURCES[n.opType]) return [n];
    if (depth === 0 || !PASS_THROUGH.has(n.opType)) return undefined;
    // BatchNormalization: its data input; Add: the first input that comes from a layer.
    const inputs = n.opType === 'BatchNormalization' ? n.inputs.slice(0, 1) : n.inputs;
    for (const i of inputs) {
      const c = i ? chainOf(i, depth - 1) : undefined;
      if (c) return [...c, n];
    }
    return undefined;
  };
  const counts = { conv: 0, fc: 0 };
  const layers: DefaultLayerChain[] = [];
  for (const n of model.nodes) {
    if (n.opType !== 'Relu' || !n.outputs[0] || !n.inputs[0]) continue;
    const chain = chainOf(n.inputs[0], 3);
    if (!chain) continue;
    const kind = SOURCES[chain[0].opType];
    layers.push({ name: `${kind}${++counts[kind]}`, tensor: n.outputs[0], chain });
  }
  return layers;
}

/** The Relu outputs after a Conv or Gemm/MatMul, named conv1, conv2, ... / fc1, fc2, ... in graph order. */
export function defaultLayers(model: OnnxModel): DefaultLayer[] {
  return defaultLayerChains(model).map(({ name, tensor }) => ({ name, tensor }));
}

/**
 * A short name for every node output, the names `convergent layers` prints and `--layer NAME`
 * accepts: conv1 / fc1 for the default ReLUs; `<layer>.<op>` for the nodes feeding one (conv1.conv
 * is the Conv output before conv1's ReLU, conv1.batchnormalization the BN between them); else
 * `<op>.<k>` (relu.3, maxpool.2; `<op>.<k>.out<i>` for a node's further outputs). The dots keep
 * them apart from the default names: `conv1` and `conv.1` cannot be read as the same thing.
 */
export function layerNames(model: OnnxModel): Map<string, string> {
  const named = new Map<string, string>(); // tensor -> name
  for (const layer of defaultLayerChains(model)) {
    named.set(layer.tensor, layer.name);
    const ops = new Map<string, number>();
    for (const node of layer.chain) {
      const op = node.opType.toLowerCase();
      const seen = (ops.get(op) ?? 0) + 1;
      ops.set(op, seen);
      if (node.outputs[0] && !named.has(node.outputs[0])) named.set(node.outputs[0], `${layer.name}.${op}${seen > 1 ? seen : ''}`);
    }
  }
  const perOp = new Map<string, number>();
  for (const n of model.nodes) {
    const op = n.opType.toLowerCase();
    let index = 0;
    n.outputs.forEach((tensor, k) => {
      if (!tensor || named.has(tensor)) return;
      if (index === 0) {
        index = (perOp.get(op) ?? 0) + 1;
        perOp.set(op, index);
      }
      named.set(tensor, `${op}.${index}${k > 0 ? `.out${k}` : ''}`);
    });
  }
  return new Map([...named].map(([tensor, name]) => [name, tensor]));
}

/**
 * Every capturable tensor (each node output, in graph order) with its shape. `itemShape` (the
 * input shape without the batch) is needed only when the model leaves non-batch input dims symbolic.
 */
export function listLayers(model: OnnxModel, itemShape?: number[]): LayerInfo[] {
  const defaults = new Set(defaultLayers(model).map((l) => l.tensor));
  const nameOf = new Map([...layerNames(model)].map(([name, tensor]) => [tensor, name]));
  const shapes = symbolicShapes(model, itemShape);
  const out: LayerInfo[] = [];
  for (const n of model.nodes) {
    for (const tensor of n.outputs) {
      if (!tensor) continue;
      const s = shapes.get(tensor);
      out.push({ name: nameOf.get(tensor)!, tensor, op: n.opType, node: n.name, shape: s?.shape ?? [], isDefault: defaults.has(tensor), ...(s?.error ? { error: s.error } : {}) });
    }
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
