// The batch loop of the probe from ONNX models (prepared by forward-probe.ts): images flow decode ->
// forward pass of every net -> moments of every captured layer, top-k records and reducers, over
// the items of the whole data or of one shard (`--shard K/N`), with a checkpoint every few
// minutes from which `--resume` continues exactly, and then the run directory is written. The
// loop over the batches (./forward-batches.ts) and the top-k writer (./topk-files.ts) are shared
// with the web page's probe (src/study/probe.ts).
//
// Kinds of probe, as for activation files (src/probe/activation-layer.ts): whole (every pass of
// every reducer); part (pass 0 only; plugin reducer states saved for `merge`); next pass
// (`--next-pass RUN`: only the reducers RUN owes a pass, from its merged state; no moments, top-k
// or accuracy, which RUN has).
import type { Backend } from '../backend/types.js';
import type { ImageBatch } from '../inputs/data/source.js';
import type { ForwardEngine, ForwardNet } from '../forward/engine.js';
import type { DeviceProbeEngine } from '../forward/webgpu/device-engine.js';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { runPaths, type ProbeLayerRecord, type ProbeManifest } from '../run-dir/layout.js';
import { argmaxRows } from '../util/argmax.js';
import { plural } from '../util/plural.js';
import { LayerBlocks, blockRanges, blockReducers, blocksCostNote } from './blocks.js';
import { CheckpointClock, DEFAULT_CHECKPOINT_EVERY, momentsFromSnapshot, momentsToSnapshot, removeCheckpoint, topkFromSnapshot, topkToSnapshot, writeCheckpoint, type CheckpointLayer } from './checkpoint.js';
import type { ForwardProbeOptions, PreparedOnnxProbe } from './forward-probe.js';
import { LayerAccumulator, type NetBatch } from './layer-accumulator.js';
import { gatherFlushDue, planMomentGather } from './moment-gather.js';
import { LAYER_CKA_STATES, LayerCkaAccumulator } from './layer-cka/accumulator.js';
import { ItemCache } from './patch-drawing.js';
import { diskRunFiles } from './disk-run-files.js';
import { writeTopKLayer } from './topk-files.js';
import { passesOf, validateReducerLayer, writeLayerState, writeManifest } from './probe.js';
import { readPendingState, restoreReducer, saveReducerStates, snapshotOf, unsavable } from './reducer-states.js';
import { TopKUnits } from './reducers/topk.js';
import type { Reducer, ReducerLayer, ReducerState } from './reducers/types.js';
import { startProbe } from './resume.js';
import { DEFAULT_BATCH_ITEMS, toUnitMajor } from './batch-layout.js';
import { addDeviceBatch, countCorrect, forEachForwardBatch } from './forward-batches.js';
import { resumedBackend } from '../run-dir/backend-record.js';

export { DEFAULT_BATCH_ITEMS, toUnitMajor } from './batch-layout.js';


/** Where the probe was at its checkpoint (items counted from the shard's first). */
interface OnnxPosition {
  pass: number;
  itemsDone: number;
  correct: number[];
  judged: number;
  skipped: { index: number; path: string; reason: string }[];
}

/** Runs a prepared probe from ONNX models on `backend` (the reducers' own checks come first). */
export async function runPreparedOnnxProbe(prepared: PreparedOnnxProbe, backend: Backend): Promise<ProbeManifest> {
  const options: ForwardProbeOptions = { ...prepared.inputs, backend };
  const log = options.log ?? (() => {});
  const { models, itemShape, layers, shapes, fields, outputs, reducerOptions, dataLabel, provenance, nextPass } = prepared;
  const data = options.data;
  const labels = nextPass ? undefined : data.labels;
  const batchItems = options.batchItems ?? DEFAULT_BATCH_ITEMS;
  const topK = nextPass ? 0 : (options.topK ?? 9);
  const range = provenance.items; // the shard's items (src/probe/shard.ts), all of them without one
  const rangeItems = range.end - range.start;
  const layerNets = (li: number) => models.map((m, k) => ({ name: m.name, units: shapes[k][li].units }));
  const reducerLayer = (li: number, reducer: Reducer): ReducerLayer => ({
    layer: layers[li].name,
    nets: layerNets(li),
    samples: rangeItems * shapes[0][li].height * shapes[0][li].width,
    samplesPerItem: shapes[0][li].height * shapes[0][li].width,
    valueBytes: 4, // the forward engines capture float32
    backend: options.backend,
    options: reducerOptions.get(reducer) ?? {},
    log,
  });
  const reducers = nextPass ? nextPass.reducers.map((r) => r.reducer) : (options.reducers ?? []);
  layers.forEach((_, li) => reducers.forEach((r) => validateReducerLayer(r, reducerLayer(li, r), options.shard !== undefined)));
  // Passes [firstPass, lastPass]: a part runs pass 0 only, a next-pass part the pass RUN owes.
  const firstPass = nextPass ? nextPass.reducers[0].pass : 0;
  const lastPass = nextPass ? firstPass : options.shard ? 0 : Math.max(0, ...layers.flatMap((_, li) => reducers.map((r) => passesOf(r, reducerLayer(li, r)) - 1)));

  const start = await startProbe(options.out, provenance, { resume: options.resume, overwrite: options.overwrite, command: options.command, log });
  if (start.complete) return start.complete;
  const target = start.target!;
  const out = target.dir;
  const saved = start.checkpoint;
  const position = saved?.meta.position as OnnxPosition | undefined;
  const savedState = (layer: string, state: string) => saved?.layers.find((l) => l.name === layer)?.states.find((s) => s.name === state)?.snapshot;

  const nets: ForwardNet[] = models.map((m, k) => ({ name: m.name, model: m.model, captures: [...layers.map((l) => l.tensors[k]), ...(outputs[k] ? [outputs[k]!] : [])] }));
  // On the device only when no reducer (nor --blocks) needs the activations on the host (src/probe/forward-probe.ts).
  const onDevice = options.engine || reducers.length > 0 || options.blocks !== undefined ? undefined : options.backend.probeOnDevice;
  let device: DeviceProbeEngine | undefined;
  let engine: ForwardEngine | undefined;
  const moments: (LayerAccumulator | undefined)[] = [];
  const tops: TopKUnits[][] = [];
  const states: { reducer: Reducer; state: ReducerState }[][] = layers.map(() => []);
  // --blocks: each layer's block in progress (src/probe/blocks.ts); the same item ranges for every layer.
  const blockItems = options.blocks !== undefined && !nextPass ? blockRanges(range, options.blocks) : undefined;
  const blocks: (LayerBlocks | undefined)[] = [];
  // --method layer-cka: one state over every layer of every net (src/probe/layer-cka/), pass 0.
  let layerCka: LayerCkaAccumulator | undefined;
  // fc layers (few samples per batch, many units) gather batches before their moments are merged (src/probe/moment-gather.ts).
  const gather = planMomentGather(
    batchItems,
    layers.map((_, li) => ({ units: layerNets(li).reduce((sum, n) => sum + n.units, 0), samplesPerItem: shapes[0][li].height * shapes[0][li].width })),
    onDevice || nextPass ? { samples: 0 } : options.momentGather,
  );
  try {
    if (onDevice) device = onDevice({ nets: models, itemShape, layers, outputs });
    else engine = options.engine ?? (await options.backend.forwardEngine(nets, itemShape, { threads: options.threads }));
    for (let li = 0; li < layers.length; li++) {
      const name = layers[li].name;
      const m = savedState(name, 'moments');
      moments.push(nextPass ? undefined : (m ? LayerAccumulator.restore(name, layerNets(li), options.backend.moments, momentsFromSnapshot(m, `checkpoint of layer ${name}`)) : new LayerAccumulator(name, layerNets(li), options.backend.moments)).gather(gather.samples[li]));
      tops.push(
        topK > 0
          ? models.map((net, k) => {
              const t = savedState(name, `topk.${net.name}`);
              const { units, height, width } = shapes[k][li];
              return t ? TopKUnits.restore(topkFromSnapshot(t, `checkpoint of layer ${name}`), topK, height, width) : new TopKUnits(units, topK, height, width);
            })
          : [],
      );
      for (const reducer of reducers) {
        const r = savedState(name, reducer.name);
        const layer = reducerLayer(li, reducer);
        states[li].push({ reducer, state: r ? restoreReducer(reducer, layer, r) : nextPass ? await readPendingState(nextPass.run, reducer, layer) : reducer.create(layer) });
      }
      if (blockItems) {
        const perBlock = blockReducers(reducers).map((reducer) => ({ reducer, layer: reducerLayer(li, reducer) }));
        const b = new LayerBlocks({ out, layer: name, total: moments[li]!, ranges: blockItems, samplesPerItem: shapes[0][li].height * shapes[0][li].width, reducers: perBlock });
        b.restore((state) => savedState(name, state));
        blocks.push(b);
      }
    }
    if (prepared.layerCka && !nextPass) {
      const first = layers[0].name;
      const m = savedState(first, LAYER_CKA_STATES.moments);
      const n = savedState(first, LAYER_CKA_STATES.norms);
      layerCka = new LayerCkaAccumulator(prepared.layerCka.blocks, layers.length, options.backend.moments, m && n ? { moments: m, norms: n } : undefined);
    }
    // A later part shifts its values as the whole probe does: by the data's first batch.
    const fresh = moments.filter((m, li) => m && !savedState(layers[li].name, 'moments'));
    if (engine && range.start > 0 && fresh.length > 0) {
      const first = await firstImages(data, batchItems, range.end);
      if (first) {
        const captured = await engine.forward(first.data, first.n);
        moments.forEach((m, li) => {
          if (!m || !fresh.includes(m)) return;
          const positions = shapes[0][li].height * shapes[0][li].width;
          m.shiftLike(models.map((_, k) => ({ data: toUnitMajor(captured[k][li], first.n, shapes[k][li].units, positions), units: shapes[k][li].units, samples: first.n * positions })));
        });
      }
    }
  } catch (e) {
    for (const layerStates of states) for (const { state } of layerStates) await state.dispose?.();
    for (const b of blocks) await b?.dispose();
    await device?.dispose();
    if (engine && !options.engine) await engine.dispose();
    target.fail();
    throw e;
  }
  const engineName = (device ?? engine)!.name;
  if (blockItems) log(blocksCostNote(blockItems.length, layers.map((_, li) => layerNets(li).reduce((sum, n) => sum + n.units, 0))));
  log(`forward passes: ${engineName}; ${plural(layers.length, 'layer')} (${layers.map((l) => l.name).join(', ')}) of ${plural(models.length, 'net')} over ${plural(rangeItems, 'item')}${options.shard ? ` (part ${options.shard.index} of ${options.shard.count}: items ${range.start}..${range.end - 1})` : ''}`);

  const thisBackend = `${options.backend.description}; forward ${engineName}`;
  const manifest: ProbeManifest = start.existing ?? {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: thisBackend,
    nets: options.nets.map((n) => ({ name: n.name, path: n.path })),
    data: { source: dataLabel, items: rangeItems, itemShape, skipped: [], tensors: Object.fromEntries(provenance.layers.map((l) => [l.name, l.tensors])) },
    layers: [],
    pending: layers.map((l) => l.name),
    reducers: provenance.reducers.map((r) => r.name),
    provenance,
    ...(nextPass ? { nextPassOf: nextPass.run } : {}),
  };
  // A run resumed on another backend says so in probe.json at once (its checkpoint mixes the two).
  const recordedBackend = manifest.backend;
  if (start.existing) manifest.backend = resumedBackend(recordedBackend, thisBackend, log);
  const skipped = position?.skipped ?? [];
  const correct = position?.correct ?? models.map(() => 0);
  let judged = position?.judged ?? 0;
  const started = performance.now();
  const clock = new CheckpointClock(options.checkpointEvery === undefined ? DEFAULT_CHECKPOINT_EVERY : (options.checkpointEvery ?? undefined));
  const cannotSave = unsavable(states.flat());
  if (cannotSave.length > 0 && options.checkpointEvery) log(`no checkpoints: reducer ${cannotSave.join(', ')} cannot save its state`);
  const checkpoint = async (pass: number, itemsDone: number) => {
    const checkpointLayers: CheckpointLayer[] = [];
    for (let li = 0; li < layers.length; li++) {
      const layerStates: CheckpointLayer['states'] = [];
      const m = moments[li];
      if (m) layerStates.push({ name: 'moments', snapshot: momentsToSnapshot(m.snapshot()) });
      tops[li].forEach((t, k) => layerStates.push({ name: `topk.${models[k].name}`, snapshot: topkToSnapshot(t.snapshot()) }));
      for (const { reducer, state } of states[li]) layerStates.push({ name: reducer.name, snapshot: await snapshotOf(reducer, state, layers[li].name) });
      layerStates.push(...((await blocks[li]?.checkpointStates()) ?? []));
      checkpointLayers.push({ name: layers[li].name, states: layerStates });
    }
    if (layerCka) checkpointLayers[0].states.push(...layerCka.states());
    const at: OnnxPosition = { pass, itemsDone, correct, judged, skipped };
    await writeCheckpoint(out, { provenance, position: { ...at } }, checkpointLayers);
  };
  try {
    if (!start.existing || manifest.backend !== recordedBackend) await writeManifest(out, manifest);
    const resumePass = position?.pass ?? firstPass;
    options.onStart?.(rangeItems, lastPass - firstPass + 1);
    for (let pass = resumePass; pass <= lastPass; pass++) {
      if (pass !== resumePass) for (const [li, layerStates] of states.entries()) for (const { reducer, state } of layerStates) if (nextPass || passesOf(reducer, reducerLayer(li, reducer)) > pass) await state.nextPass?.(pass);
      const resumeAt = pass === resumePass ? (position?.itemsDone ?? 0) : 0;
      let itemsDone = resumeAt; // source indices visited, from the shard's first: batches of batchItems indices
      let done = resumeAt;
      const progressBase = (pass - firstPass) * rangeItems;
      let checkpointDue = false;
      const finishBatch = async (batch: ImageBatch, predictions: (ArrayLike<number> | undefined)[]) => {
        // Counted here, when the batch is reduced, not when it is read: the host path reads a
        // batch ahead, and a checkpoint must not list the skipped images of a batch it does not cover.
        if (pass === 0) skipped.push(...batch.skipped);
        if (pass === 0 && labels) {
          countCorrect(predictions, labels, batch, correct);
          judged += batch.n;
        }
        itemsDone = Math.min(rangeItems, itemsDone + batchItems);
        done = itemsDone;
        options.onProgress?.(progressBase + done);
        if (pass === 0 && gatherFlushDue(gather, range.start + itemsDone, range.end)) {
          for (let li = 0; li < layers.length; li++) await (blocks[li] ?? moments[li])?.flush();
        }
        if (cannotSave.length === 0 && itemsDone < rangeItems && clock.batchDone()) checkpointDue = true;
        // A checkpoint waits for the gathered samples' flush: it holds no gathered samples, so a resumed probe merges the same batches.
        if (checkpointDue && !layers.some((_, li) => (blocks[li] ?? moments[li])?.pendingSamples())) {
          checkpointDue = false;
          await checkpoint(pass, itemsDone);
        }
      };
      const reduceOnHost = async (batch: ImageBatch, captured: Float32Array[][]) => {
        for (let li = 0; li < layers.length; li++) {
          const positions = shapes[0][li].height * shapes[0][li].width;
          // Unit-major copies only for blocks and reducers: the moments read the captures as they are (transposed in their shift pass).
          let transposed: NetBatch[] | undefined;
          const unitMajor = () => (transposed ??= models.map((_, k) => ({ data: toUnitMajor(captured[k][li], batch.n, shapes[k][li].units, positions), units: shapes[k][li].units, samples: batch.n * positions })));
          if (pass === 0 && moments[li]) {
            // With --blocks the batch goes to the block(s) it falls in, and each finished block into the layer's moments.
            if (blocks[li]) await blocks[li]!.add(unitMajor(), (batch.indices[0] ?? 0) * positions, (s) => batch.indices[Math.floor(s / positions)]);
            else {
              // The top-k's per-item maxima come from the moments' pass over the values (ItemMaxima).
              const maxima = tops[li].length > 0 ? models.map((_, k) => ({ values: new Float32Array(batch.n * shapes[k][li].units), positions: new Uint32Array(batch.n * shapes[k][li].units) })) : undefined;
              await moments[li]!.add(models.map((_, k) => ({ data: captured[k][li], units: shapes[k][li].units, samples: batch.n * positions, itemMajor: { items: batch.n, positions } })), maxima);
              if (maxima) tops[li].forEach((t, k) => t.addMaxima(maxima[k].values, maxima[k].positions, batch.indices, 'unit-major'));
            }
            if (blocks[li]) tops[li].forEach((t, k) => t.add(captured[k][li], batch.indices));
          }
          for (const { reducer, state } of states[li]) {
            if (nextPass || passesOf(reducer, reducerLayer(li, reducer)) > pass) await state.update({ nets: unitMajor().map((b) => b.data), samples: batch.n * positions, firstSample: (batch.indices[0] ?? 0) * positions, pass, shift: pass === 0 ? moments[li]?.currentShift() : undefined });
          }
        }
        if (pass === 0 && layerCka) await layerCka.add(captured, batch.n);
        await finishBatch(batch, models.map((_, k) => (outputs[k] ? argmaxRows(captured[k][layers.length], captured[k][layers.length].length / batch.n) : undefined)));
      };
      await forEachForwardBatch(data.batches(batchItems, { start: range.start + resumeAt, limit: range.end }), {
        // passes is 1 on the device: the device path is only taken without plugin reducers.
        onDevice: device
          ? async (batch) => {
              const reduced = await device!.forward(batch.data, batch.n);
              addDeviceBatch(reduced, batch, moments, tops);
              await finishBatch(batch, reduced.predictions);
            }
          : undefined,
        engine,
        reduce: reduceOnHost,
        empty: (batch) => finishBatch(batch, []),
      });
    }
    options.onDone?.();
    if (!nextPass) {
      const record = manifest.data!;
      record.skipped = skipped;
      if (skipped.length >= rangeItems) throw new Error(`no readable images in ${record.source}: all ${rangeItems} were skipped (${skipped[0]?.path}: ${skipped[0]?.reason})`);
      if (skipped.length > 0) log(`skipped ${plural(skipped.length, 'unreadable image')} (listed in probe.json): ${skipped.slice(0, 3).map((s) => s.path).join(', ')}${skipped.length > 3 ? ', ...' : ''}`);
      if (labels && judged > 0) {
        record.judged = judged;
        models.forEach((_, k) => {
          if (!outputs[k]) return;
          manifest.nets[k].accuracy = correct[k] / judged;
          manifest.nets[k].correct = correct[k];
        });
      }
    }

    if (layerCka) await layerCka.write(runPaths.layerCkaDir(out), prepared.layerCka!.pool);
    const seconds = (performance.now() - started) / 1000;
    for (let li = 0; li < layers.length; li++) {
      const name = layers[li].name;
      if (manifest.layers.some((l) => l.name === name)) continue;
      if (options.shard) await saveReducerStates(out, name, states[li]);
      const finishing = nextPass ? [] : states[li].filter(({ reducer }) => passesOf(reducer, reducerLayer(li, reducer)) - 1 <= lastPass);
      const positions = shapes[0][li].height * shapes[0][li].width;
      await blocks[li]?.finish();
      const samples = moments[li] ? (await writeLayerState(out, name, layerNets(li), moments[li]!, finishing)).n : (rangeItems - skipped.length) * positions;
      if (topK > 0) await writeTopK({ ...options, out }, name, models.map((m) => m.name), tops[li], fields.map((f) => f[li]), topK);
      const record: ProbeLayerRecord = {
        name,
        samples,
        items: samples / positions,
        samplesPerItem: positions,
        units: Object.fromEntries(models.map((m, k) => [m.name, shapes[k][li].units])),
        sources: Object.fromEntries(models.map((m, k) => [m.name, `${m.path}:${layers[li].tensors[k]}`])),
        seconds,
        secondsShared: true,
        ...(options.shard ? { itemRange: range } : {}),
        ...(blockItems ? { blocks: blockItems } : {}),
      };
      manifest.layers.push(record);
      manifest.pending = manifest.pending.filter((p) => p !== name);
      if (options.shard) manifest.reducerStates = reducers.map((r) => ({ reducer: r.name, pass: lastPass }));
      await writeManifest(out, manifest);
    }
    removeCheckpoint(out);
    target.finish();
    return manifest;
  } catch (e) {
    target.fail();
    throw e;
  } finally {
    for (const layerStates of states) for (const { state } of layerStates) await state.dispose?.();
    for (const b of blocks) await b?.dispose();
    await device?.dispose();
    if (engine && !options.engine) await engine.dispose();
  }
}

/** The whole probe's first batch that holds an image (a batch of skipped images shifts nothing), or none before `end`. */
async function firstImages(data: ForwardProbeOptions['data'], batchItems: number, end: number): Promise<ImageBatch | undefined> {
  for await (const batch of data.batches(batchItems, { start: 0, limit: end })) if (batch.n > 0) return batch;
  return undefined;
}

async function writeTopK(options: ForwardProbeOptions, layer: string, nets: string[], tops: TopKUnits[], fields: ReceptiveField[], k: number): Promise<void> {
  const patches = (options.patches ?? true) ? { source: options.data, cache: new ItemCache(options.data) } : undefined;
  await writeTopKLayer(diskRunFiles, runPaths.reducerDir(options.out, 'topk', layer), nets, tops, fields, k, patches);
}
