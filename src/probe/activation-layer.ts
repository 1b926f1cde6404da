// One layer of the probe from activation files: its item range (all items, or a shard's), its
// passes over the files, checkpoints at batch boundaries, and what it leaves in the run directory.
//
// Three kinds of probe walk a layer here:
//  - whole: every pass of every reducer, then the layer's moments and reducer outputs;
//  - part (`--shard K/N`): pass 0 only; moments, top-k and single-pass outputs as usual, and every
//    plugin reducer's state saved for `merge` (a multi-pass reducer's after its first pass);
//  - next pass (`--shard K/N --next-pass RUN`): only the reducers RUN owes a pass, continued from
//    RUN's merged state, their states saved for the next `merge`; no moments (RUN has them).
// A checkpoint holds the layer's moments and reducer states with the pass and the samples done;
// continuing from it reads the rest of the same batches, so the result is the uninterrupted one.
import type { LayerInfo, NetSource, ActivationBatch } from '../inputs/activations/index.js';
import type { ItemRange, ProbeLayerRecord, ProbeProvenance } from '../run-dir/layout.js';
import { LayerBlocks, blockRanges, blockReducers } from './blocks.js';
import { CheckpointClock, momentsFromSnapshot, momentsToSnapshot, writeCheckpoint, type CheckpointLayer } from './checkpoint.js';
import { LayerAccumulator } from './layer-accumulator.js';
import { readPendingState, restoreReducer, saveReducerStates, snapshotOf, unsavable } from './reducer-states.js';
import type { Reducer, ReducerLayer, ReducerState } from './reducers/types.js';
import { checkShardNotEmpty, shardRange } from './shard.js';
import { batchSamplesFor, passesOf, writeLayerState, type ProbeOptions } from './probe.js';

/** Where a resumed layer stands: from its checkpoint. */
export interface LayerResume {
  pass: number;
  /** Samples of this pass already reduced (from the range's start). */
  samplesDone: number;
  states: CheckpointLayer['states'];
}

export interface LayerContext {
  options: ProbeOptions;
  sources: NetSource[];
  infos: LayerInfo[];
  layerIndex: number;
  layerCount: number;
  reducerOptions: Map<Reducer, Record<string, unknown>>;
  /** What a checkpoint records besides the states. */
  provenance: ProbeProvenance;
  clock: CheckpointClock;
  /** `--next-pass RUN`: RUN and the reducers it owes a pass, with that pass. */
  nextPass?: { run: string; reducers: { reducer: Reducer; pass: number }[] };
  resume?: LayerResume;
}

export interface LayerOutcome {
  record: ProbeLayerRecord;
  /** Reducers whose state at the end of `pass` this layer saved (parts only). */
  savedStates: { reducer: string; pass: number }[];
}

export async function probeActivationLayer(ctx: LayerContext): Promise<LayerOutcome> {
  const { options, sources, infos } = ctx;
  const started = performance.now();
  const name = infos[0].name;
  const spi = infos[0].samplesPerItem;
  const nets = sources.map((s, k) => ({ name: s.name, units: infos[k].units }));
  const totalUnits = nets.reduce((sum, n) => sum + n.units, 0);
  const { items: layerItems, batchSamples, range } = layerShard(options, infos);
  const first = range.start * spi;
  const samplesTotal = (range.end - range.start) * spi;
  const reducerLayer = (reducer: Reducer): ReducerLayer => ({ layer: name, nets, samples: samplesTotal, samplesPerItem: spi, valueBytes: infos.some((i) => i.dtype === 'float64') ? 8 : 4, backend: options.backend, options: ctx.reducerOptions.get(reducer) ?? {}, log: options.log });
  const saved = (reducer: Reducer) => ctx.resume?.states.find((s) => s.name === reducer.name)?.snapshot;

  // The states this layer walks, and the passes: [firstPass, lastPass].
  const states: { reducer: Reducer; state: ReducerState }[] = [];
  let moments: LayerAccumulator | undefined;
  // --blocks: the block in progress (src/probe/blocks.ts), cut from this layer's own items.
  const blockItems = options.blocks !== undefined && !ctx.nextPass ? blockRanges(range, options.blocks) : undefined;
  let blocks: LayerBlocks | undefined;
  let firstPass = 0;
  let lastPass: number;
  try {
    if (ctx.nextPass) {
      firstPass = lastPass = ctx.nextPass.reducers[0].pass;
      for (const { reducer } of ctx.nextPass.reducers) {
        const snapshot = saved(reducer);
        states.push({ reducer, state: snapshot ? restoreReducer(reducer, reducerLayer(reducer), snapshot) : await readPendingState(ctx.nextPass.run, reducer, reducerLayer(reducer)) });
      }
    } else {
      const momentsSaved = ctx.resume?.states.find((s) => s.name === 'moments')?.snapshot;
      if (momentsSaved) {
        moments = LayerAccumulator.restore(name, nets, options.backend.moments, momentsFromSnapshot(momentsSaved, `checkpoint of layer ${name}`));
      } else {
        moments = new LayerAccumulator(name, nets, options.backend.moments);
        // A later part shifts its values as the whole probe does: by the layer's first batch.
        if (range.start > 0) moments.shiftLike(await firstBatch(sources, name, batchSamples, layerItems * spi));
      }
      for (const reducer of options.reducers ?? []) {
        const snapshot = saved(reducer);
        states.push({ reducer, state: snapshot ? restoreReducer(reducer, reducerLayer(reducer), snapshot) : reducer.create(reducerLayer(reducer)) });
      }
      lastPass = options.shard ? 0 : Math.max(0, ...states.map(({ reducer }) => passesOf(reducer, reducerLayer(reducer)) - 1));
      if (blockItems) {
        const perBlock = blockReducers(options.reducers ?? []).map((reducer) => ({ reducer, layer: reducerLayer(reducer) }));
        blocks = new LayerBlocks({ out: options.out, layer: name, total: moments, ranges: blockItems, samplesPerItem: spi, reducers: perBlock });
        blocks.restore((state) => ctx.resume?.states.find((s) => s.name === state)?.snapshot);
      }
    }
    const passes = lastPass - firstPass + 1;
    options.onLayerStart?.(name, samplesTotal * passes);
    const canCheckpoint = unsavable(states).length === 0;
    if (!canCheckpoint && options.checkpointEvery !== null) {
      options.log?.(`layer ${name}: no checkpoints inside the layer, as reducer ${unsavable(states).join(', ')} cannot save its state; a stopped probe resumes at the start of the layer`);
    }
    const resumePass = ctx.resume?.pass ?? firstPass;

    for (let pass = resumePass; pass <= lastPass; pass++) {
      const active = states.filter(({ reducer }) => ctx.nextPass || passesOf(reducer, reducerLayer(reducer)) > pass);
      // A pass resumed from a checkpoint has had its nextPass already (the state was saved after it).
      if (pass > firstPass && pass !== resumePass) for (const { state } of active) await state.nextPass?.(pass);
      const skip = pass === resumePass ? (ctx.resume?.samplesDone ?? 0) : 0;
      let done = skip;
      await readPass(sources, name, batchSamples, first + skip, first + samplesTotal, async (batches, firstSample) => {
        // With --blocks the batches go to the block they fall in, and each finished block into the layer's moments.
        if (pass === 0 && moments) await (blocks ? blocks.add(batches, firstSample, (s) => Math.floor((firstSample + s) / spi)) : moments.add(batches));
        for (const { state } of active) await state.update({ nets: batches.map((b) => b.data), samples: batches[0].samples, firstSample, pass, shift: pass === 0 ? moments?.currentShift() : undefined });
        done += batches[0].samples;
        options.onProgress?.({ layer: name, layerIndex: ctx.layerIndex, layerCount: ctx.layerCount, samplesDone: (pass - firstPass) * samplesTotal + done, samplesTotal: samplesTotal * passes, pass });
        if (canCheckpoint && done < samplesTotal && ctx.clock.batchDone()) {
          const checkpointStates = [...(moments ? [{ name: 'moments', snapshot: momentsToSnapshot(moments.snapshot()) }] : [])];
          for (const { reducer, state } of states) checkpointStates.push({ name: reducer.name, snapshot: await snapshotOf(reducer, state, name) });
          checkpointStates.push(...((await blocks?.checkpointStates()) ?? []));
          await writeCheckpoint(options.out, { provenance: ctx.provenance, position: { layer: name, pass, samplesDone: done } }, [{ name, states: checkpointStates }]);
        }
      }).then((read) => {
        if (read !== samplesTotal - skip) throw new Error(`layer ${name}: read ${read} samples but the files promise ${samplesTotal - skip}`);
      });
    }

    const savedStates: LayerOutcome['savedStates'] = [];
    if (options.shard) {
      // Every plugin reducer's state, for merge; those that finished their last pass also write outputs.
      await saveReducerStates(options.out, name, states);
      for (const { reducer } of states) savedStates.push({ reducer: reducer.name, pass: lastPass });
    }
    await blocks?.finish();
    const finishing = ctx.nextPass ? [] : states.filter(({ reducer }) => passesOf(reducer, reducerLayer(reducer)) - 1 <= lastPass);
    const result = moments ? await writeLayerState(options.out, name, nets, moments, finishing) : { n: samplesTotal, d: totalUnits };
    const record: ProbeLayerRecord = {
      name,
      samples: result.n,
      items: range.end - range.start,
      samplesPerItem: spi,
      units: Object.fromEntries(nets.map((n) => [n.name, n.units])),
      sources: Object.fromEntries(sources.map((s, k) => [s.name, infos[k].source])),
      seconds: (performance.now() - started) / 1000,
      ...(options.shard ? { itemRange: range } : {}),
      ...(blockItems ? { blocks: blockItems } : {}),
    };
    return { record, savedStates };
  } finally {
    for (const { state } of states) await state.dispose?.();
    await blocks?.dispose();
  }
}

/** A layer's items, its batch (in samples) and the items the probe covers (a shard's, or all). */
export function layerShard(options: Pick<ProbeOptions, 'limitItems' | 'batchItems' | 'batchSamples' | 'shard'>, infos: LayerInfo[]): { items: number; batchSamples: number; range: ItemRange } {
  const spi = infos[0].samplesPerItem;
  const items = Math.min(infos[0].items, options.limitItems ?? Infinity);
  const batchSamples = batchSamplesFor(options, spi, infos.reduce((sum, info) => sum + info.units, 0));
  // As FileNetSourceImpl.readBatches cuts them: whole items, at least one.
  const itemsPerBatch = spi === 1 ? batchSamples : Math.max(1, Math.floor(batchSamples / spi));
  const range = shardRange(items, options.shard, itemsPerBatch);
  checkShardNotEmpty(range, items, itemsPerBatch, options.shard, `layer ${infos[0].name}`);
  return { items, batchSamples, range };
}

/** The layer's first batch, as the whole probe reads it (for the shift of a later part). */
async function firstBatch(sources: NetSource[], name: string, batchSamples: number, limitSamples: number): Promise<ActivationBatch[]> {
  const batches: ActivationBatch[] = [];
  for (const source of sources) {
    const it = source.readBatches(name, { batchSamples, limitSamples })[Symbol.asyncIterator]();
    try {
      const first = await it.next();
      if (first.done) throw new Error(`layer ${name}: net ${source.name} has no samples to read`);
      batches.push(first.value);
    } finally {
      await it.return?.(undefined);
    }
  }
  return batches;
}

/** One pass over samples [start, end) of a layer of every net, batch by batch; returns the samples read. */
async function readPass(
  sources: NetSource[],
  name: string,
  batchSamples: number,
  start: number,
  end: number,
  reduce: (batches: ActivationBatch[], firstSample: number) => Promise<void>,
): Promise<number> {
  const iterators = sources.map((s) => s.readBatches(name, { batchSamples, startSamples: start, limitSamples: end })[Symbol.asyncIterator]());
  const nextAll = () => Promise.all(iterators.map((it) => it.next()));
  let pending = nextAll();
  let done = 0;
  for (;;) {
    const results = await pending;
    const finished = results.filter((r) => r.done).length;
    if (finished === results.length) break;
    if (finished > 0) throw new Error(`layer ${name}: the nets' files ended at different samples (after ${start + done}); they must hold the same samples`);
    const batches = results.map((r) => r.value as ActivationBatch);
    pending = nextAll(); // read the next batch while this one is reduced
    // When reduce() refuses the batch (non-finite or out-of-range values), the read ahead fails
    // as the sources close; that rejection is moot and must not surface as an unhandled one.
    pending.catch(() => {});
    await reduce(batches, start + done);
    done += batches[0].samples;
  }
  return done;
}
