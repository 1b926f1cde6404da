// The probe of the web page: ONNX models (bytes) and an ImageSource, batch by batch through the
// backend's forward passes into each captured layer's joint moments and top-k records, and the
// run directory written into memory (src/study/memory-run.ts) as `convergent probe` writes it on
// disk: probe.json, moments/<layer>/{mean.npy, m2.npy, count.json} and reducers/topk/<layer>/
// (records, active-image counts and each unit's patch picture), and reducers/<name>/<layer>/ of the
// probe reducers (src/study/reducers.ts: mi-histograms, sample-norms, null, ...; a multi-pass
// reducer reads the images again), RUN/layer-cka/ (--method layer-cka) and, with `blocks` (as
// --blocks B), RUN/blocks/<k>/<layer>/ for align's jackknife intervals. The batch loop
// (src/probe/forward-batches.ts) and the top-k writer (src/probe/topk-files.ts) are the CLI's, which
// adds checkpoints and shards: the same batches, shifts and kernels, so the moments and reducer
// outputs are the CLI's on the same backend.
// Nothing but D x D state and one batch in flight is held, whatever the number of images.
import type { Backend } from '../backend/types.js';
import { checkSupported } from '../forward/compile.js';
import type { ForwardEngine } from '../forward/engine.js';
import type { DeviceProbeEngine } from '../forward/webgpu/device-engine.js';
import type { ImageBatch, ImageSource } from '../inputs/data/source.js';
import { decodeOnnx } from '../inputs/onnx/decode.js';
import type { OnnxModel } from '../inputs/onnx/model.js';
import { DEFAULT_BATCH_ITEMS, toUnitMajor } from '../probe/batch-layout.js';
import { addDeviceBatch, countCorrect, forEachForwardBatch } from '../probe/forward-batches.js';
import { captureShapes, classifierOutput, resolveCaptureLayers, type CaptureLayer } from '../probe/capture-layers.js';
import { LayerAccumulator } from '../probe/layer-accumulator.js';
import { validateNets } from '../probe/net-names.js';
import { TopKUnits } from '../probe/reducers/topk.js';
import { checkPathNames, runPaths, type ProbeLayerRecord, type ProbeManifest, type ProvenanceData } from '../run-dir/layout.js';
import { argmaxRows } from '../util/argmax.js';
import { ItemCache } from '../probe/patch-drawing.js';
import { writeTopKLayer } from '../probe/topk-files.js';
import type { Reducer } from '../probe/reducers/types.js';
import type { MemoryRun } from './memory-run.js';
import { LayerReducers, planReducers, reducerLayer, reducerPasses } from './reducers.js';
import { LayerCkaAccumulator } from '../probe/layer-cka/accumulator.js';
import { planLayerCka } from '../probe/layer-cka/plan.js';
import { memoryRunFiles, memoryStateWriter } from './memory-files.js';
import { LayerBlocks, blockRanges, blockReducers } from '../probe/blocks.js';
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
  /** Probe reducers (the methods' and `null` for chance levels: src/align/method-selection.ts reducersForMethods). */
  reducers?: Reducer[];
  /** Options by reducer name (`--<reducer>.<option>`; reducerOptionsFor gives a method's to its reducer). */
  reducerOptions?: Record<string, Record<string, unknown>>;
  /** As --blocks B: the items cut into B blocks whose states align's jackknife takes out one at a time (intervals). */
  blocks?: number;
  /** What the manifest records as the command. */
  command?: string;
  /** The convergent version, for the provenance. */
  version?: string;
  /** Images read so far of all to read: the items times the passes (a two-pass reducer such as mi-histograms reads them twice). */
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
  const planned = planReducers(options.reducers ?? [], options.reducerOptions);
  const positionsOf = (li: number) => shapes[0][li].height * shapes[0][li].width;
  const reducerLayers = layers.map((l, li) => planned.map((p) => reducerLayer(l.name, layerNets(li), items, positionsOf(li), backend, p)));
  reducerLayers.forEach((rl) => planned.forEach((p, i) => p.reducer.validate?.(rl[i])));
  const lastPass = Math.max(0, ...reducerLayers.flatMap((rl) => planned.map((p, i) => reducerPasses(p.reducer, rl[i]) - 1)));
  // --method layer-cka: one state over every layer of every net (src/probe/layer-cka/), pass 0, as the CLI.
  const layerCkaPlan = planLayerCka(new Map(planned.map((p) => [p.reducer, p.options])), models.map((m) => m.name), layers.map((l) => l.name), shapes, log);
  const layerCka = layerCkaPlan ? new LayerCkaAccumulator(layerCkaPlan.blocks, layers.length, backend.moments) : undefined;
  const moments = layers.map((l, li) => new LayerAccumulator(l.name, layerNets(li), backend.moments));
  const tops = layers.map((_, li) => (topK > 0 ? models.map((_, k) => new TopKUnits(shapes[k][li].units, topK, shapes[k][li].height, shapes[k][li].width)) : []));
  // --blocks: each layer's block in progress (src/probe/blocks.ts), the finished ones saved into the run.
  const blockItems = options.blocks !== undefined ? blockRanges({ start: 0, end: items }, options.blocks) : undefined;
  const perBlock = blockReducers(planned.map((p) => p.reducer));
  const blocks = layers.map((l, li) =>
    blockItems
      ? new LayerBlocks({ out: run.root, layer: l.name, total: moments[li], ranges: blockItems, samplesPerItem: positionsOf(li), reducers: perBlock.map((reducer) => ({ reducer, layer: reducerLayers[li][planned.findIndex((p) => p.reducer === reducer)] })), to: memoryStateWriter(run) })
      : undefined,
  );
  const correct = models.map(() => 0);
  let judged = 0;
  let done = 0;
  let manifestEngine: string | undefined; // set once every pass is done
  const started = performance.now();

  // On the device (WebGPU) the activations never reach the host, as in the CLI; else forward passes
  // on the host. Reducers need the activations on the host, so with reducers the host path (as the CLI).
  let device: DeviceProbeEngine | undefined;
  let engine: ForwardEngine | undefined;
  const reducers: LayerReducers[] = [];
  const captures = models.map((m, k) => ({ name: m.name, model: m.model, captures: [...layers.map((l) => l.tensors[k]), ...(outputs[k] ? [outputs[k]!] : [])] }));
  try {
    for (const rl of reducerLayers) reducers.push(LayerReducers.create(rl, planned));
    if (backend.probeOnDevice && planned.length === 0 && !blockItems) device = backend.probeOnDevice({ nets: models, itemShape, layers, outputs });
    else engine = await backend.forwardEngine(captures, itemShape, {});
    const engineName = (device ?? engine)!.name;
    log(`forward passes: ${engineName}; ${layers.length} layer(s) (${layers.map((l) => l.name).join(', ')}) of ${models.length} nets over ${items} items${lastPass > 0 ? ` (${lastPass + 1} passes for reducer ${planned.filter((p) => reducerPasses(p.reducer) > 1).map((p) => p.reducer.name).join(', ')})` : ''}`);
    for (let pass = 0; pass <= lastPass; pass++) {
      if (pass > 0) for (const r of reducers) await r.nextPass(pass);
      await probePass(pass);
    }
    manifestEngine = engineName;
  } finally {
    for (const r of reducers) if (!manifestEngine) await r.dispose(); // on an error; else once finished, below
    for (const b of blocks) if (!manifestEngine) await b?.dispose();
    await device?.dispose();
    await engine?.dispose();
  }

  /** One pass over the images: moments, top-k and accuracy in pass 0; the reducers that need the pass in every pass. */
  async function probePass(pass: number): Promise<void> {
    done = 0;
    const finishBatch = (batch: ImageBatch, predictions: (ArrayLike<number> | undefined)[]) => {
      if (labels && pass === 0) {
        countCorrect(predictions, labels, batch, correct);
        judged += batch.n;
      }
      done = Math.min(items, done + batchItems);
      options.onProgress?.(pass * items + done, (lastPass + 1) * items);
    };
    const reduceOnHost = async (batch: ImageBatch, captured: Float32Array[][]) => {
      for (let li = 0; li < layers.length; li++) {
        const positions = positionsOf(li);
        const unitMajor = models.map((_, k) => ({ data: toUnitMajor(captured[k][li], batch.n, shapes[k][li].units, positions), units: shapes[k][li].units, samples: batch.n * positions }));
        if (pass === 0) {
          // With blocks the batch goes to the block(s) it falls in, and each finished block into the layer's moments.
          if (blocks[li]) await blocks[li]!.add(unitMajor, (batch.indices[0] ?? 0) * positions, (s) => batch.indices[Math.floor(s / positions)]);
          else await moments[li].add(unitMajor);
          tops[li].forEach((t, k) => t.add(captured[k][li], batch.indices));
        }
        // After the moments, with their shift (the CLI's order: the null reducer keeps sums about it).
        await reducers[li].update({ nets: unitMajor.map((b) => b.data), samples: batch.n * positions, firstSample: (batch.indices[0] ?? 0) * positions, pass, shift: pass === 0 ? moments[li].currentShift() : undefined });
      }
      if (pass === 0 && layerCka) await layerCka.add(captured, batch.n);
      finishBatch(batch, models.map((_, k) => (outputs[k] ? argmaxRows(captured[k][layers.length], captured[k][layers.length].length / batch.n) : undefined)));
    };
    await forEachForwardBatch(data.batches(batchItems, { limit: items }), {
      onDevice: device
        ? async (batch) => {
            const reduced = await device!.forward(batch.data, batch.n);
            addDeviceBatch(reduced, batch, moments, tops);
            finishBatch(batch, reduced.predictions);
          }
        : undefined,
      engine,
      reduce: reduceOnHost,
      empty: async (batch) => finishBatch(batch, []),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  // One cache of decoded items for every layer's patches: the same image is among the top-k of many units.
  const patches = { source: data, cache: new ItemCache(data) };

  const manifest: ProbeManifest = {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: `${backend.description}; forward ${manifestEngine}`,
    nets: models.map((m, k) => ({ name: m.name, path: m.path, ...(outputs[k] && judged > 0 ? { accuracy: correct[k] / judged, correct: correct[k] } : {}) })),
    data: { source: options.dataLabel, items, itemShape, skipped: [], ...(labels && judged > 0 ? { judged } : {}), tensors: Object.fromEntries(layers.map((l) => [l.name, tensorsOf(l, models)])) },
    layers: [],
    pending: [],
    reducers: [...(topK > 0 ? ['topk'] : []), ...planned.map((p) => p.reducer.name)],
    provenance: {
      tool: { name: 'convergent', version: options.version ?? 'unknown' },
      nets: await Promise.all(options.nets.map(async (n) => ({ name: n.name, source: n.fileName, kind: 'onnx' as const, files: [{ path: n.fileName, bytes: n.bytes.length, sha256: await sha256Hex(n.bytes) }] }))),
      data: options.dataRecord,
      layers: layers.map((l) => ({ name: l.name, tensors: tensorsOf(l, models) })),
      reducers: [{ name: 'moments', options: {} }, ...(topK > 0 ? [{ name: 'topk', options: { k: topK, patches: true } }] : []), ...planned.map((p) => ({ name: p.reducer.name, options: p.options }))],
      items: { start: 0, end: items },
      ...(options.batchItems !== undefined ? { batch: { items: options.batchItems } } : {}),
      ...(options.blocks !== undefined ? { blocks: options.blocks } : {}),
    },
  };
  try {
    if (layerCka) await layerCka.write(runPaths.layerCkaDir(run.root), layerCkaPlan!.pool, memoryStateWriter(run));
    for (let li = 0; li < layers.length; li++) await writeLayer(li);
  } finally {
    for (const r of reducers) await r.dispose();
    for (const b of blocks) await b?.dispose();
  }
  run.writeJson(runPaths.manifest(run.root), manifest);
  return manifest;

  async function writeLayer(li: number): Promise<void> {
    const name = layers[li].name;
    const dir = runPaths.momentsDir(run.root, name);
    await blocks[li]?.finish();
    const result = moments[li].resultView();
    run.writeNpy(`${dir}/mean.npy`, result.mean, [result.d]);
    run.writeNpy(`${dir}/m2.npy`, result.m2, [result.d, result.d]);
    run.writeJson(`${dir}/count.json`, { samples: result.n, units: layerNets(li), dtype: moments[li].dtypes() });
    await reducers[li].finishInto(run);
    if (topK > 0) await writeTopKLayer(memoryRunFiles(run), runPaths.reducerDir(run.root, 'topk', name), models.map((m) => m.name), tops[li], fields.map((f) => f[li]), topK, patches);
    const positions = shapes[0][li].height * shapes[0][li].width;
    const record: ProbeLayerRecord = {
      name,
      samples: result.n,
      items: result.n / positions,
      samplesPerItem: positions,
      units: Object.fromEntries(models.map((m, k) => [m.name, shapes[k][li].units])),
      sources: Object.fromEntries(models.map((m, k) => [m.name, `${m.path}:${layers[li].tensors[k]}`])),
      seconds,
      secondsShared: true,
      ...(blockItems ? { blocks: blockItems } : {}),
    };
    manifest.layers.push(record);
  }
}

function tensorsOf(layer: CaptureLayer, models: { name: string }[]): Record<string, string> {
  return Object.fromEntries(models.map((m, k) => [m.name, layer.tensors[k]]));
}
