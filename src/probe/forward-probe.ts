// `probe` from ONNX models: batches of images flow decode -> forward pass of every net -> moments
// of every captured layer (plus reducers and the top-k records), and only the reduced state is
// kept, so memory is D x D per layer whatever the number of images. Writes the same run directory
// as the probe from activation files, plus RUN/reducers/topk/ (values, items, positions, patches).
//
// On the webgpu backend (when no plugin reducer needs the activations on the host) the captures
// never leave the device: src/forward/webgpu/device-engine.ts hands back per batch only the
// layers' moments, each item's per-unit maxima (top-k) and the predicted classes. Its moments
// differ from the host path's in rounding only: the GPU kernel centres each batch on its own mean
// before its float32 sums (the host path subtracts the first batch's mean), and batches merge in
// float64 either way.
// One file (just over 400 lines): choosing the layers, preparing the probe (every input checked
// before a device opens) and the batch loop share the prepared probe's types; its images
// (probe-data.ts) and the top-k patches (patches.ts) already live apart.
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import type { ImageBatch, ImageSource } from '../inputs/data/source.js';
import { classMappingNotes } from '../inputs/data/class-mapping.js';
import { compilePlan } from '../forward/compile.js';
import type { ForwardEngine, ForwardNet } from '../forward/engine.js';
import type { DeviceProbeEngine } from '../forward/webgpu/device-engine.js';
import { tensorIdOf } from '../forward/engine.js';
import { receptiveField, type ReceptiveField } from '../forward/receptive-field.js';
import { checkSupported } from '../forward/compile.js';
import { decodeOnnx, readOnnxBytes } from '../inputs/onnx/decode.js';
import { inModel } from '../inputs/onnx/where.js';
import { defaultLayers, layerNames } from '../inputs/onnx/layers.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { writeNpy } from '../run-dir/npy-write.js';
import { resolveReducerOptions } from './reducers/options.js';
import { TopKUnits } from './reducers/topk.js';
import type { Reducer, ReducerLayer, ReducerState } from './reducers/types.js';
import { argmaxRows } from '../util/argmax.js';
import { LayerAccumulator } from './layer-accumulator.js';
import { activeImagesPath, runPaths, topkRecordPath, type ProbeLayerRecord, type ProbeManifest, type ProbeProvenance } from '../run-dir/layout.js';
import { ItemCache, patchDir, writeUnitPatches } from './patches.js';
import { passesOf, validateLimit, validateNets, validateReducerNames, writeLayerState, writeManifest } from './probe.js';
import { checkPathNames } from '../run-dir/layout.js';
import { beginProbeRun } from '../run-dir/replace.js';
import { plural } from '../util/plural.js';
import { withArticle } from '../util/article.js';
import type { ProbeDataOptions } from './probe-data.js';
import { dataProvenance, onnxNetProvenance, pluginReducerRecords, probeProvenance } from './provenance.js';

export interface ForwardProbeOptions {
  /** Each net: a name and an .onnx file. */
  nets: { name: string; path: string }[];
  data: ImageSource;
  /** How the data was named on the command line, for the manifest. */
  dataLabel?: string;
  /** The data flags that opened `data` (openProbeData's `spec`): recorded in the manifest's provenance. */
  dataSpec?: ProbeDataOptions;
  out: string;
  backend: Backend;
  /** `NAME=TENSOR` or `NAME` (a default layer's short name, or a tensor name); default: every ReLU after a Conv or Gemm. */
  layers?: string[];
  limitItems?: number;
  /** Items per batch (default 64). */
  batchItems?: number;
  /** Top activations kept per unit (default 9; 0 = none, and no patches). */
  topK?: number;
  /** Draw each unit's top-k patches as PNG (default true when topK > 0). */
  patches?: boolean;
  reducers?: Reducer[];
  reducerOptions?: Record<string, Record<string, unknown>>;
  threads?: number;
  /** For tests: a ready engine instead of one made for the backend. */
  engine?: ForwardEngine;
  command?: string;
  /** Replace a run already in `out` (only once the new probe is complete); without it, such a run is refused. */
  overwrite?: boolean;
  onStart?: (items: number, passes: number) => void;
  onProgress?: (itemsDone: number) => void;
  onDone?: () => void;
  log?: (message: string) => void;
}

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

export function isOnnxPath(path: string): boolean {
  return /\.onnx$/i.test(path);
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

/** (n, C, H, W) batch-first into unit-major (C, n*H*W): what the moment kernels read. */
export function toUnitMajor(data: Float32Array, n: number, units: number, positions: number, out = new Float32Array(data.length)): Float32Array {
  const samples = n * positions;
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < units; u++) {
      const src = (i * units + u) * positions;
      out.set(data.subarray(src, src + positions), u * samples + i * positions);
    }
  }
  return out;
}

/**
 * The backend's on-device probe when the probe can keep activations on the device: a backend
 * that has one, no plugin reducer (they take host arrays), no engine given by a test.
 */
function onDeviceProbe(options: ForwardProbeOptions, reducers: Reducer[]) {
  return options.engine || reducers.length > 0 ? undefined : options.backend.probeOnDevice;
}

/** The graph output, captured too when the data has labels and the net ends in class scores. */
function classifierOutput(model: OnnxModel, shape: number[] | undefined, classes: number): string | undefined {
  const out = model.outputs[0];
  return out && shape && shape.length === 2 && shape[1] >= classes ? out.name : undefined;
}

/** What a probe from ONNX models needs before a device: everything but the backend. */
export type ForwardProbeInputs = Omit<ForwardProbeOptions, 'backend'>;

/** A probe from ONNX models, checked and planned without a device (prepareOnnxProbe), run by runPreparedOnnxProbe. */
export interface PreparedOnnxProbe {
  readonly inputs: ForwardProbeInputs;
  readonly models: { name: string; path: string; model: OnnxModel }[];
  readonly itemShape: number[];
  readonly layers: CaptureLayer[];
  readonly shapes: LayerShape[][];
  readonly fields: ReceptiveField[][];
  /** Per net, the classifier output captured for the accuracy (labelled data only). */
  readonly outputs: (string | undefined)[];
  readonly items: number;
  readonly reducerOptions: Map<Reducer, Record<string, unknown>>;
  /** How the data is named in probe.json: the caller's label, or the first item's description. */
  readonly dataLabel: string;
  /** What probe.json records under `provenance`, the models hashed from the bytes decoded. */
  readonly provenance: ProbeProvenance;
}

/** The probe from ONNX models: prepareOnnxProbe, then runPreparedOnnxProbe on `options.backend`. */
export async function probeOnnx(options: ForwardProbeOptions): Promise<ProbeManifest> {
  return runPreparedOnnxProbe(await prepareOnnxProbe(options), options.backend);
}

/**
 * Every check that needs no device: net names, limit, reducer names and options, the models read
 * and their ops supported, the layers resolved to tensors, their shapes compiled and compared, the
 * data not empty. The command line calls it before it opens a backend.
 */
export async function prepareOnnxProbe(inputs: ForwardProbeInputs): Promise<PreparedOnnxProbe> {
  const log = inputs.log ?? (() => {});
  validateNets(inputs.nets);
  validateLimit(inputs.limitItems);
  validateReducerNames(inputs.reducers ?? []);
  const models: { name: string; path: string; model: OnnxModel }[] = [];
  const netRecords: ProbeProvenance['nets'] = [];
  for (const net of inputs.nets) {
    if (!isOnnxPath(net.path)) throw new Error(`net ${net.name}: ${net.path} is not an .onnx file; with --data every net must be an ONNX model`);
    // Read once: the same bytes are decoded and hashed for the provenance.
    const bytes = await readOnnxBytes(net.path);
    const model = decodeOnnx(bytes, net.path);
    checkSupported(model, net.path);
    models.push({ name: net.name, path: net.path, model });
    netRecords.push(onnxNetProvenance(net, bytes));
  }
  const data = inputs.data;
  const itemShape = [...data.itemShape];
  const layers = resolveCaptureLayers(models, inputs.layers, log);
  checkPathNames('layer', layers.map((l) => l.name));
  const { shapes, fields, outputShapes } = captureShapes(models, layers, itemShape);
  const labels = data.labels;
  const classes = labels ? Math.max(...labels) + 1 : 0;
  const outputs = models.map((m, k) => (labels ? classifierOutput(m.model, outputShapes[k], classes) : undefined));
  // Class folders: say which folder is which output index, and warn where a net cannot match them.
  for (const note of classMappingNotes(data.classFolders, models.map((m, k) => ({ name: m.name, outputShape: outputShapes[k] })))) log(note);
  const items = Math.min(data.count, inputs.limitItems ?? Infinity);
  if (items === 0) throw new Error(`no images to probe in ${inputs.dataLabel ?? 'the data'}`);
  const reducers = inputs.reducers ?? [];
  const reducerOptions = new Map(reducers.map((r) => [r, resolveReducerOptions(r, inputs.reducerOptions?.[r.name])]));
  reducers.forEach((r) => passesOf(r));
  const topK = inputs.topK ?? 9;
  const dataLabel = inputs.dataLabel ?? data.describe(0);
  const provenance = probeProvenance({
    nets: netRecords,
    data: await dataProvenance(data, items, dataLabel, inputs.dataSpec, inputs.limitItems),
    layers: layers.map((l) => ({ name: l.name, tensors: Object.fromEntries(models.map((m, k) => [m.name, l.tensors[k]])) })),
    reducers: [...(topK > 0 ? [{ name: 'topk', options: { k: topK, patches: inputs.patches ?? true } }] : []), ...pluginReducerRecords(reducers, reducerOptions)],
    items,
  });
  return { inputs, models, itemShape, layers, shapes, fields, outputs, items, reducerOptions, dataLabel, provenance };
}

/** Runs a prepared probe from ONNX models on `backend` (the reducers' own checks come first). */
export async function runPreparedOnnxProbe(prepared: PreparedOnnxProbe, backend: Backend): Promise<ProbeManifest> {
  const options: ForwardProbeOptions = { ...prepared.inputs, backend };
  const log = options.log ?? (() => {});
  const { models, itemShape, layers, shapes, fields, outputs, items, reducerOptions, dataLabel, provenance } = prepared;
  const data = options.data;
  const labels = data.labels;
  const batchItems = options.batchItems ?? 64;
  const topK = options.topK ?? 9;
  const reducers = options.reducers ?? [];
  const passes = Math.max(1, ...reducers.map((r) => passesOf(r)));
  const layerNets = (li: number) => models.map((m, k) => ({ name: m.name, units: shapes[k][li].units }));
  const reducerLayer = (li: number, reducer: Reducer): ReducerLayer => ({
    layer: layers[li].name,
    nets: layerNets(li),
    samples: items * shapes[0][li].height * shapes[0][li].width,
    backend: options.backend,
    options: reducerOptions.get(reducer) ?? {},
  });
  layers.forEach((_, li) => reducers.forEach((r) => r.validate?.(reducerLayer(li, r))));

  const nets: ForwardNet[] = models.map((m, k) => ({ name: m.name, model: m.model, captures: [...layers.map((l) => l.tensors[k]), ...(outputs[k] ? [outputs[k]!] : [])] }));
  const onDevice = onDeviceProbe(options, reducers);
  // Every input is checked; from here on the run directory is written (under its lock).
  const target = await beginProbeRun(options.out, { overwrite: options.overwrite, command: options.command, log });
  let device: DeviceProbeEngine | undefined;
  let engine: ForwardEngine | undefined;
  try {
    if (onDevice) device = onDevice({ nets: models, itemShape, layers, outputs });
    else engine = options.engine ?? (await options.backend.forwardEngine(nets, itemShape, { threads: options.threads }));
  } catch (e) {
    target.fail();
    throw e;
  }
  const engineName = (device ?? engine)!.name;
  log(`forward passes: ${engineName}; ${plural(layers.length, 'layer')} (${layers.map((l) => l.name).join(', ')}) of ${plural(models.length, 'net')} over ${plural(items, 'item')}`);

  const skipped: { index: number; path: string; reason: string }[] = [];
  const manifest: ProbeManifest = {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: `${options.backend.description}; forward ${engineName}`,
    nets: options.nets.map((n) => ({ name: n.name, path: n.path })),
    data: {
      source: dataLabel,
      items,
      itemShape,
      skipped,
      tensors: Object.fromEntries(provenance.layers.map((l) => [l.name, l.tensors])),
    },
    layers: [],
    pending: layers.map((l) => l.name),
    reducers: provenance.reducers.map((r) => r.name),
    provenance,
  };
  const started = performance.now();
  const moments = layers.map((l, li) => new LayerAccumulator(l.name, layerNets(li), options.backend.moments));
  const tops = layers.map((_, li) => models.map((__, k) => new TopKUnits(shapes[k][li].units, topK, shapes[k][li].height, shapes[k][li].width)));
  const states: { reducer: Reducer; state: ReducerState }[][] = layers.map(() => []);
  const correct = models.map(() => 0);
  let seen = 0;
  try {
    await writeManifest(target.dir, manifest);
    layers.forEach((_, li) => reducers.forEach((reducer) => states[li].push({ reducer, state: reducer.create(reducerLayer(li, reducer)) })));
    options.onStart?.(items, passes);
    for (let pass = 0; pass < passes; pass++) {
      for (const layerStates of states) for (const { reducer, state } of layerStates) if (pass > 0 && passesOf(reducer) > pass) await state.nextPass?.(pass);
      let done = 0;
      const finishBatch = (batch: ImageBatch, predictions: (ArrayLike<number> | undefined)[]) => {
        if (pass === 0 && labels) {
          predictions.forEach((predicted, k) => {
            if (predicted) for (let i = 0; i < batch.n; i++) if (predicted[i] === labels[batch.indices[i]]) correct[k]++;
          });
          seen += batch.n;
        }
        done += batch.n;
        options.onProgress?.(pass * items + done);
      };
      const reduceOnHost = async (batch: ImageBatch, captured: Float32Array[][]) => {
        for (let li = 0; li < layers.length; li++) {
          const positions = shapes[0][li].height * shapes[0][li].width;
          const unitMajor = models.map((_, k) => ({ data: toUnitMajor(captured[k][li], batch.n, shapes[k][li].units, positions), units: shapes[k][li].units, samples: batch.n * positions }));
          if (pass === 0) {
            await moments[li].add(unitMajor);
            if (topK > 0) models.forEach((_, k) => tops[li][k].add(captured[k][li], batch.indices));
          }
          for (const { reducer, state } of states[li]) {
            if (passesOf(reducer) > pass) await state.update({ nets: unitMajor.map((b) => b.data), samples: batch.n * positions, firstSample: done * positions, pass });
          }
        }
        finishBatch(batch, models.map((_, k) => (outputs[k] ? argmaxRows(captured[k][layers.length], captured[k][layers.length].length / batch.n) : undefined)));
      };
      // Host path: the forward pass of batch k + 1 runs (on the workers) while batch k is reduced.
      let inFlight: { batch: ImageBatch; captured: Promise<Float32Array[][]> } | undefined;
      try {
        for await (const batch of data.batches(batchItems, { limit: items })) {
          if (pass === 0) skipped.push(...batch.skipped);
          if (batch.n === 0) continue;
          if (device) {
            // passes is 1 here: the device path is only taken without plugin reducers.
            const reduced = await device.forward(batch.data, batch.n);
            for (let li = 0; li < layers.length; li++) {
              moments[li].addMoments(reduced.moments[li]);
              if (topK > 0) models.forEach((_, k) => tops[li][k].addMaxima(reduced.maxima[li][k].values, reduced.maxima[li][k].positions, batch.indices, 'unit-major'));
            }
            finishBatch(batch, reduced.predictions);
            continue;
          }
          const next = { batch, captured: engine!.forward(batch.data, batch.n) };
          next.captured.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
          if (inFlight) await reduceOnHost(inFlight.batch, await inFlight.captured);
          inFlight = next;
        }
        if (inFlight) await reduceOnHost(inFlight.batch, await inFlight.captured);
      } finally {
        // On an error, let a forward pass still running finish before the engine is disposed.
        await inFlight?.captured.catch(() => {});
      }
    }
    options.onDone?.();
    if (skipped.length >= items) throw new Error(`no readable images in ${manifest.data!.source}: all ${items} were skipped (${skipped[0]?.path}: ${skipped[0]?.reason})`);
    if (skipped.length > 0) log(`skipped ${plural(skipped.length, 'unreadable image')} (listed in probe.json): ${skipped.slice(0, 3).map((s) => s.path).join(', ')}${skipped.length > 3 ? ', ...' : ''}`);
    if (labels && seen > 0) models.forEach((_, k) => outputs[k] && (manifest.nets[k].accuracy = correct[k] / seen));

    const seconds = (performance.now() - started) / 1000;
    for (let li = 0; li < layers.length; li++) {
      const name = layers[li].name;
      const result = await writeLayerState(target.dir, name, layerNets(li), moments[li], states[li]);
      if (topK > 0) await writeTopK({ ...options, out: target.dir }, name, models.map((m) => m.name), tops[li], fields.map((f) => f[li]), topK);
      const record: ProbeLayerRecord = {
        name,
        samples: result.n,
        items: result.n / (shapes[0][li].height * shapes[0][li].width),
        samplesPerItem: shapes[0][li].height * shapes[0][li].width,
        units: Object.fromEntries(models.map((m, k) => [m.name, shapes[k][li].units])),
        sources: Object.fromEntries(models.map((m, k) => [m.name, `${m.path}:${layers[li].tensors[k]}`])),
        seconds,
      };
      manifest.layers.push(record);
      manifest.pending = manifest.pending.filter((p) => p !== name);
      await writeManifest(target.dir, manifest);
    }
    target.finish();
    return manifest;
  } catch (e) {
    target.fail();
    throw e;
  } finally {
    for (const layerStates of states) for (const { state } of layerStates) await state.dispose?.();
    await device?.dispose();
    if (engine && !options.engine) await engine.dispose();
  }
}

async function writeTopK(options: ForwardProbeOptions, layer: string, nets: string[], tops: TopKUnits[], fields: ReceptiveField[], k: number): Promise<void> {
  const dir = runPaths.reducerDir(options.out, 'topk', layer);
  await ensureDir(dir);
  const cache = new ItemCache(options.data);
  const meta: Record<string, unknown> = {};
  for (let j = 0; j < nets.length; j++) {
    const record = tops[j].result();
    const units = tops[j].units;
    await writeNpy(topkRecordPath(dir, nets[j], 'values'), record.values, [units, k]);
    await writeNpy(topkRecordPath(dir, nets[j], 'items'), record.items, [units, k]);
    await writeNpy(topkRecordPath(dir, nets[j], 'y'), record.ys, [units, k]);
    await writeNpy(topkRecordPath(dir, nets[j], 'x'), record.xs, [units, k]);
    await writeNpy(activeImagesPath(dir, nets[j]), record.activeItems, [units]);
    meta[nets[j]] = { units, map: [tops[j].height, tops[j].width], receptiveField: fields[j], images: record.itemsSeen };
    if (options.patches ?? true) await writeUnitPatches(patchDir(dir, nets[j]), record, k, fields[j], options.data, cache);
  }
  const notes = { items: 'indices into the probe data (see probe.json data.source); -1: an empty slot (the unit fired on fewer than k images)', active: 'per unit, the images on which it fires (maximum over positions > 0)' };
  await writeJsonAtomic(join(dir, 'result.json'), { k, nets: meta, ...notes });
}
