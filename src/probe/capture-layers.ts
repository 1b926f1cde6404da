// The layers a probe from ONNX models captures: `--layer` specs (or the default layers common to
// every net) resolved to one tensor per net, and each captured tensor's units and spatial map
// from a plan compiled for one item. Pure (no file or device): the CLI's probe
// (src/probe/forward-probe.ts) and the web page's study (src/study/) share it.
import { compilePlan } from '../forward/compile.js';
import { tensorIdOf } from '../forward/engine.js';
import { receptiveField, type ReceptiveField } from '../forward/receptive-field.js';
import { defaultLayers, layerNames } from '../inputs/onnx/layers.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { inModel } from '../inputs/onnx/where.js';
import { withArticle } from '../util/article.js';

/** A layer chosen for the probe: a short name and, per net, the tensor captured for it. */
export interface CaptureLayer {
  name: string;
  tensors: string[];
}

export interface LayerShape {
  units: number;
  height: number;
  width: number;
}

/**
 * Resolves `--layer` specs (or the defaults) to one tensor per net. `conv1=/Relu_output_0` names
 * the same tensor in every net; `conv1` is a short name from `convergent layers` (conv1, conv1.conv,
 * relu.3) or a tensor name.
 */
export function resolveCaptureLayers(models: { name: string; model: OnnxModel; path: string }[], specs: string[] | undefined, log: (m: string) => void): CaptureLayer[] {
  // A broken graph (dangling input, cycle) is reported first, naming the net and file, not as "no layer in common".
  const defaults = models.map((m) => new Map(inModel(m, () => defaultLayers(m.model)).map((l) => [l.name, l.tensor])));
  const named = models.map((m) => layerNames(m.model)); // every name `convergent layers` prints
  const tensorsOf = models.map((m) => new Set(m.model.nodes.flatMap((n) => n.outputs)));
  const need = (k: number, tensor: string, layer: string) => {
    if (!tensorsOf[k].has(tensor)) {
      const near = [...tensorsOf[k]].filter((t) => t.toLowerCase().includes(layer.toLowerCase())).slice(0, 8);
      throw new Error(`net ${models[k].name} (${models[k].path}) has no tensor "${tensor}" for layer ${layer}${near.length ? `; similar: ${near.join(', ')}` : ''} (see \`convergent layers ${models[k].path}\`)`);
    }
    return tensor;
  };
  if (!specs || specs.length === 0) {
    const names = [...defaults[0].keys()].filter((name) => defaults.every((d) => d.has(name)));
    const partial = new Set(defaults.flatMap((d) => [...d.keys()]).filter((n) => !names.includes(n)));
    if (partial.size > 0) log(`skipping default layers not present in every net: ${[...partial].join(', ')}`);
    if (names.length === 0) {
      throw new Error('the nets have no default layer in common (a ReLU after a Conv or Gemm); name layers with --layer NAME=TENSOR (see `convergent layers MODEL.onnx`)');
    }
    return names.map((name) => ({ name, tensors: defaults.map((d) => d.get(name)!) }));
  }
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : spec;
    if (seen.has(name)) throw new Error(`layer ${name} is named twice in --layer`);
    seen.add(name);
    const tensors = models.map((_, k) => need(k, eq > 0 ? spec.slice(eq + 1) : (named[k].get(name) ?? name), name));
    return { name, tensors };
  });
}

/** Units and spatial map of each captured layer, from a plan compiled for one item. */
export function captureShapes(
  models: { name: string; model: OnnxModel; path?: string }[],
  layers: CaptureLayer[],
  itemShape: number[],
): { shapes: LayerShape[][]; fields: ReceptiveField[][]; outputShapes: (number[] | undefined)[] } {
  const shapes: LayerShape[][] = [];
  const fields: ReceptiveField[][] = [];
  const outputShapes: (number[] | undefined)[] = [];
  models.forEach((m, k) => {
    const captures = layers.map((l) => l.tensors[k]);
    const plan = inModel(m, () => compilePlan(m.model, [1, ...itemShape], { captures })); // errors name the net and file
    // The graph's first output (class scores, for the accuracy), from the same plan.
    const output = plan.tensors.find((t) => t.name === m.model.outputs[0]?.name);
    outputShapes.push(output?.shape);
    shapes.push(
      layers.map((l) => {
        const shape = plan.tensors[tensorIdOf(plan, l.tensors[k], m.name)].shape;
        if (shape.length !== 2 && shape.length !== 4) {
          throw new Error(`net ${m.name}, layer ${l.name}: tensor ${l.tensors[k]} has shape ${JSON.stringify(shape)}; only (N, C) and (N, C, H, W) can be probed`);
        }
        if (shape.slice(1).some((d) => d === 0)) throw new Error(`net ${m.name}, layer ${l.name}: tensor ${l.tensors[k]} has shape ${JSON.stringify(shape)}, no samples to probe`);
        return { units: shape[1], height: shape[2] ?? 1, width: shape[3] ?? 1 };
      }),
    );
    fields.push(layers.map((l) => receptiveField(plan, tensorIdOf(plan, l.tensors[k], m.name))));
  });
  layers.forEach((l, li) => {
    const [a, ...rest] = shapes.map((s) => s[li]);
    rest.forEach((b, j) => {
      if (b.height !== a.height || b.width !== a.width) {
        throw new Error(`layer ${l.name}: net ${models[j + 1].name} has ${withArticle(`${b.height} x ${b.width}`)} map but net ${models[0].name} has ${a.height} x ${a.width}; every net must see the same samples`);
      }
    });
  });
  return { shapes, fields, outputShapes };
}

/** The graph output, captured too (for the accuracy) when the data has labels and the net ends in class scores. */
export function classifierOutput(model: OnnxModel, shape: number[] | undefined, classes: number): string | undefined {
  const out = model.outputs[0];
  return out && shape && shape.length === 2 && shape[1] >= classes ? out.name : undefined;
}
