// The names of a model's tensors, from the graph alone: every node output gets a short name, and the
// default layers are the classic ones of the Convergent Learning paper: the ReLU after every Conv
// (conv1, conv2, ...) and after every fully connected Gemm/MatMul (fc1, fc2, ...), also when a
// BatchNormalization or an Add (a bias, a residual shortcut) sits between them. Their shapes need
// the planner's shape inference: src/forward/layer-shapes.ts (listLayers). A broken graph (a
// dangling input, a cycle) has no layers to name: both functions throw its problem
// (src/inputs/onnx/graph-check.ts), which the callers that know the file and net wrap (src/inputs/onnx/where.ts).
import { checkGraph } from './graph-check.js';
import type { OnnxModel, OnnxNode } from './model.js';

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
  checkGraph(model);
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

/**
 * The Relu outputs after a Conv or Gemm/MatMul, named conv1, conv2, ... / fc1, fc2, ... in graph
 * order. Throws when the graph is broken (a dangling input, a cycle): its layers mean nothing.
 */
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
