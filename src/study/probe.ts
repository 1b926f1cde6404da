// The probe of the web page: ONNX models (bytes) and an ImageSource, batch by batch through the
// backend's forward passes into each captured layer's joint moments and top-k records, and the
// run directory written into memory (src/study/memory-run.ts) as `convergent probe` writes it on
// disk: probe.json, moments/<layer>/{mean.npy, m2.npy, count.json} and reducers/topk/<layer>/
// (records, active-image counts and each unit's patch picture). The batch loop is the CLI's
// (src/probe/forward-probe-run.ts) without its checkpoints, shards, blocks and plugin reducers:
// the same batches, shifts and kernels, so the moments are the CLI's on the same backend.
// Nothing but D x D state and one batch in flight is held, whatever the number of images.
import type { Backend } from '../backend/types.js';
import { checkSupported } from '../forward/compile.js';
import type { ForwardEngine } from '../forward/engine.js';
import type { DeviceProbeEngine } from '../forward/webgpu/device-engine.js';
import type { ImageBatch, ImageSource } from '../inputs/data/source.js';
import { decodeOnnx } from '../inputs/onnx/decode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { DEFAULT_BATCH_ITEMS, toUnitMajor } from '../probe/batch-layout.js';
import { captureShapes, resolveCaptureLayers, type CaptureLayer } from '../probe/capture-layers.js';
import { LayerAccumulator } from '../probe/layer-accumulator.js';
import { validateNets } from '../probe/net-names.js';
import { TopKUnits } from '../probe/reducers/topk.js';
import { activeImagesPath, checkPathNames, runPaths, safeName, topkRecordPath, type ProbeLayerRecord, type ProbeManifest, type ProvenanceData } from '../run-dir/layout.js';
import { argmaxRows } from '../util/argmax.js';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { drawUnitPatches, ItemCache, type PatchSource } from '../probe/patch-drawing.js';
import type { MemoryRun } from './memory-run.js';
import { sha256Hex } from './sha256.js';

/** A net the user chose: its name (a column and file name) and the ONNX file's name and bytes. */
export interface StudyNet {
  name: string;
  fileName: string;
  bytes: Uint8Array;
}

export interface MemoryProbeOptions {
  run: MemoryRun;
  nets: StudyNet[];
  data: ImageSource;
  /** How the data is named in probe.json (the CLI's: `mnist (heldout)`, a folder). */
  dataLabel: string;
  /** The data's provenance record (source, split, limit, item shape, preprocessing). */
  dataRecord: ProvenanceData;
  backend: Backend;
  /** `NAME=TENSOR` or short names, as --layer; default: every ReLU after a Conv or Gemm common to the nets. */
  layers?: string[];
  limitItems?: number;
  batchItems?: number;
  /** Top activations kept per unit (default 9, as the CLI); the rare-unit rule counts on them. */
  topK?: number;
  /** What the manifest records as the command. */
  command?: string;
  /** The convergent version, for the provenance. */
  version?: string;
  onProgress?: (itemsDone: number, items: number) => void;
  log?: (message: string) => void;
}

/** The nets decoded and checked, the layers resolved and their shapes (every check before a device). */
export function planMemoryProbe(nets: StudyNet[], itemShape: readonly number[], layerSpecs: string[] | undefined, log: (m: string) => void) {
  validateNets(nets.map((n) => ({ name: n.name, path: n.fileName })));
  const models: { name: string; path: string; model: OnnxModel }[] = nets.map((net) => {
    const model = decodeOnnx(net.bytes, net.fileName);
    checkSupported(model, net.fileName);
    return { name: net.name, path: net.fileName, model };
  });
  const layers = resolveCaptureLayers(models, layerSpecs, log);
  checkPathNames('layer', layers.map((l) => l.name));
  const { shapes, fields, outputShapes } = captureShapes(models, layers, [...itemShape]);
  return { models, layers, shapes, fields, outputShapes };
}

/** The graph output, captured for the accuracy when the data has labels and the net ends in class scores (as the CLI). */
function classifierOutput(model: OnnxModel, shape: number[] | undefined, classes: number): string | undefined {
  const out = model.outputs[0];
  return out && shape && shape.length === 2 && shape[1] >= classes ? out.name : undefined;
}

export async function probeInMemory(options: MemoryProbeOptions): Promise<ProbeManifest> {
  const log = options.log ?? (() => {});
  const { run, data, backend } = options;
  const { models, layers, shapes, fields, outputShapes } = planMemoryProbe(options.nets, data.itemShape, options.layers, log);
  const itemShape = [...data.itemShape];
  const labels = data.labels;
  const classes = labels ? Math.max(...labels) + 1 : 0;
  const outputs = models.map((m, k) => (labels ? classifierOutput(m.model, outputShapes[k], classes) : undefined));
  const items = Math.min(data.count, options.limitItems ?? Infinity);
  if (items === 0) throw new Error(`no images to probe in ${options.dataLabel}`);
  const batchItems = options.batchItems ?? DEFAULT_BATCH_ITEMS;
  const topK = options.topK ?? 9;
  const layerNets = (li: number) => models.map((m, k) => ({ name: m.name, units: shapes[k][li].units }));
  const moments = layers.map((l, li) => new LayerAccumulator(l.name, layerNets(li), backend.moments));
  const tops = layers.map((_, li) => (topK > 0 ? models.map((_, k) => new TopKUnits(shapes[k][li].units, topK, shapes[k][li].height, shapes[k][li].width)) : []));
  const correct = models.map(() => 0);
  let judged = 0;
  let done = 0;
  const started = performance.now();

  // On the device (WebGPU) the activations never reach the host, as in the CLI; else forward passes on the host.
  let device: DeviceProbeEngine | undefined;
  let engine: ForwardEngine | undefined;
  const captures = models.map((m, k) => ({ name: m.name, model: m.model, captures: [...layers.map((l) => l.tensors[k]), ...(outputs[k] ? [outputs[k]!] : [])] }));
  if (backend.probeOnDevice) device = backend.probeOnDevice({ nets: models, itemShape, layers, outputs });
  else engine = await backend.forwardEngine(captures, itemShape, {});
  const engineName = (device ?? engine)!.name;
  log(`forward passes: ${engineName}; ${layers.length} layer(s) (${layers.map((l) => l.name).join(', ')}) of ${models.length} nets over ${items} items`);
  const finishBatch = (batch: ImageBatch, predictions: (ArrayLike<number> | undefined)[]) => {
    if (labels) {
      predictions.forEach((predicted, k) => {
        if (predicted) for (let i = 0; i < batch.n; i++) if (predicted[i] === labels[batch.indices[i]]) correct[k]++;
      });
      judged += batch.n;
    }
    done = Math.min(items, done + batchItems);
    options.onProgress?.(done, items);
  };
  const reduceOnHost = async (batch: ImageBatch, captured: Float32Array[][]) => {
    for (let li = 0; li < layers.length; li++) {
      const positions = shapes[0][li].height * shapes[0][li].width;
      await moments[li].add(models.map((_, k) => ({ data: toUnitMajor(captured[k][li], batch.n, shapes[k][li].units, positions), units: shapes[k][li].units, samples: batch.n * positions })));
      tops[li].forEach((t, k) => t.add(captured[k][li], batch.indices));
    }
    finishBatch(batch, models.map((_, k) => (outputs[k] ? argmaxRows(captured[k][layers.length], captured[k][layers.length].length / batch.n) : undefined)));
  };
  let inFlight: { batch: ImageBatch; captured: Promise<Float32Array[][]> } | undefined;
  try {
    for await (const batch of data.batches(batchItems, { limit: items })) {
      if (device) {
        const reduced = await device.forward(batch.data, batch.n);
        for (let li = 0; li < layers.length; li++) {
          moments[li].addMoments(reduced.moments[li]);
          tops[li].forEach((t, k) => t.addMaxima(reduced.maxima[li][k].values, reduced.maxima[li][k].positions, batch.indices, 'unit-major'));
        }
        finishBatch(batch, reduced.predictions);
        continue;
      }
      // The forward pass of batch k + 1 runs (on the workers) while batch k is reduced.
      const next = { batch, captured: engine!.forward(batch.data, batch.n) };
      next.captured.catch(() => {});
      if (inFlight) await reduceOnHost(inFlight.batch, await inFlight.captured);
      inFlight = next;
    }
    if (inFlight) await reduceOnHost(inFlight.batch, await inFlight.captured);
  } finally {
    await inFlight?.captured.catch(() => {});
    await device?.dispose();
    await engine?.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  // One cache of decoded items for every layer's patches: the same image is among the top-k of many units.
  const patches = { source: data, cache: new ItemCache(data) };

  const manifest: ProbeManifest = {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: `${backend.description}; forward ${engineName}`,
    nets: models.map((m, k) => ({ name: m.name, path: m.path, ...(outputs[k] && judged > 0 ? { accuracy: correct[k] / judged, correct: correct[k] } : {}) })),
    data: { source: options.dataLabel, items, itemShape, skipped: [], ...(labels && judged > 0 ? { judged } : {}), tensors: Object.fromEntries(layers.map((l) => [l.name, tensorsOf(l, models)])) },
    layers: [],
    pending: [],
    reducers: topK > 0 ? ['topk'] : [],
    provenance: {
      tool: { name: 'convergent', version: options.version ?? 'unknown' },
      nets: await Promise.all(options.nets.map(async (n) => ({ name: n.name, source: n.fileName, kind: 'onnx' as const, files: [{ path: n.fileName, bytes: n.bytes.length, sha256: await sha256Hex(n.bytes) }] }))),
      data: options.dataRecord,
      layers: layers.map((l) => ({ name: l.name, tensors: tensorsOf(l, models) })),
      reducers: [{ name: 'moments', options: {} }, ...(topK > 0 ? [{ name: 'topk', options: { k: topK, patches: true } }] : [])],
      items: { start: 0, end: items },
      ...(options.batchItems !== undefined ? { batch: { items: options.batchItems } } : {}),
    },
  };
  for (let li = 0; li < layers.length; li++) {
    const name = layers[li].name;
    const dir = runPaths.momentsDir(run.root, name);
    const result = moments[li].resultView();
    run.writeNpy(`${dir}/mean.npy`, result.mean, [result.d]);
    run.writeNpy(`${dir}/m2.npy`, result.m2, [result.d, result.d]);
    run.writeJson(`${dir}/count.json`, { samples: result.n, units: layerNets(li), dtype: moments[li].dtypes() });
    if (topK > 0) await writeTopK(run, name, models.map((m) => m.name), tops[li], fields.map((f) => f[li]), topK, patches);
    const positions = shapes[0][li].height * shapes[0][li].width;
    const record: ProbeLayerRecord = {
      name,
      samples: result.n,
      items: result.n / positions,
      samplesPerItem: positions,
      units: Object.fromEntries(models.map((m, k) => [m.name, shapes[k][li].units])),
      sources: Object.fromEntries(models.map((m, k) => [m.name, `${m.path}:${layers[li].tensors[k]}`])),
      seconds,
    };
    manifest.layers.push(record);
  }
  run.writeJson(runPaths.manifest(run.root), manifest);
  return manifest;
}

function tensorsOf(layer: CaptureLayer, models: { name: string }[]): Record<string, string> {
  return Object.fromEntries(models.map((m, k) => [m.name, layer.tensors[k]]));
}

/** RUN/reducers/topk/<layer>/ as the CLI writes it (src/probe/forward-probe-run.ts writeTopK): records, counts and patch pictures. */
async function writeTopK(run: MemoryRun, layer: string, nets: string[], tops: TopKUnits[], fields: ReceptiveField[], k: number, patches: { source: PatchSource; cache: ItemCache }): Promise<void> {
  const dir = runPaths.reducerDir(run.root, 'topk', layer);
  const meta: Record<string, unknown> = {};
  for (const [j, net] of nets.entries()) {
    const record = tops[j].result();
    const units = tops[j].units;
    run.writeNpy(topkRecordPath(dir, net, 'values'), record.values, [units, k]);
    run.writeNpy(topkRecordPath(dir, net, 'items'), record.items, [units, k]);
    run.writeNpy(topkRecordPath(dir, net, 'y'), record.ys, [units, k]);
    run.writeNpy(topkRecordPath(dir, net, 'x'), record.xs, [units, k]);
    run.writeNpy(activeImagesPath(dir, net), record.activeItems, [units]);
    meta[net] = { units, map: [tops[j].height, tops[j].width], receptiveField: fields[j], images: record.itemsSeen };
    await drawUnitPatches(record, k, fields[j], patches.source, (u, png) => run.write(`${dir}/${safeName(net)}/${u}.png`, png), patches.cache);
  }
  const notes = { items: 'indices into the probe data (see probe.json data.source); -1: an empty slot (the unit fired on fewer than k images)', active: 'per unit, the images on which it fires (maximum over positions > 0)' };
  run.writeJson(`${dir}/result.json`, { k, nets: meta, ...notes });
}
