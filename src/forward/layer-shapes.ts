// Which tensors of a model can be probed, with their shapes: every node output is capturable; its
// shape comes from the planner's shape inference run at two batch sizes, so that the batch axis
// shows as a symbol (N) and everything else as numbers. The names and the default layers come
// from the graph alone (src/inputs/onnx/layers.ts).
import type { Dim, OnnxModel } from '../inputs/onnx/model.js';
import { defaultLayers, layerNames } from '../inputs/onnx/layers.js';
import { inferValueShapes, modelInputDims } from './compile.js';

/** One capturable tensor of a model (what `convergent layers` lists). */
export interface OnnxLayerInfo {
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

/**
 * Every capturable tensor (each node output, in graph order) with its shape. `itemShape` (the
 * input shape without the batch) is needed only when the model leaves non-batch input dims symbolic.
 */
export function listLayers(model: OnnxModel, itemShape?: number[]): OnnxLayerInfo[] {
  const defaults = new Set(defaultLayers(model).map((l) => l.tensor));
  const nameOf = new Map([...layerNames(model)].map(([name, tensor]) => [tensor, name]));
  const shapes = symbolicShapes(model, itemShape);
  const out: OnnxLayerInfo[] = [];
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
