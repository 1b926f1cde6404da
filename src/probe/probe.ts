// `probe`: streams every chosen layer of every net through the reducers (the joint moments and
// any plugin reducers) and writes their state to the run directory, layer by layer, so that an
// error in one layer loses nothing computed before it. A layer is read once, unless a reducer
// declares more passes (e.g. histogram edges, then counts): then it is read again for that reducer.
// Every input is checked before the run directory is created or touched (src/run-dir/replace.ts
// says how an existing run is replaced), and every file is written atomically
// (src/run-dir/atomic-write.ts).
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { openNetSource, type LayerInfo, type NetSource } from '../inputs/activations/index.js';
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { writeNpy } from '../run-dir/npy-write.js';
import { resolveReducerOptions } from './reducers/options.js';
import { refuseLayerCkaFromActivationFiles } from './layer-cka/plan.js';
import type { Reducer, ReducerLayer, ReducerState } from './reducers/types.js';
import { passesOf } from './reducers/passes.js';
import { LayerAccumulator } from './layer-accumulator.js';
import { checkPathNames, isPlainFileName, runPaths, type ProbeLayerRecord, type ProbeManifest, type ProbeProvenance } from '../run-dir/layout.js';
import { layerShard, probeActivationLayer } from './activation-layer.js';
import { CheckpointClock, DEFAULT_CHECKPOINT_EVERY, removeCheckpoint, type CheckpointEvery } from './checkpoint.js';
import { checkShardable } from './reducer-states.js';
import { openNextPass, type NextPass } from './next-pass.js';
import { startProbe, type ProbeStart } from './resume.js';
import { resumedBackend } from '../run-dir/backend-record.js';
import type { Shard } from './shard.js';
import { blocksCostNote, checkBlocks } from './blocks.js';
import { activationNetProvenance, pluginReducerRecords, probeProvenance } from './provenance.js';
import { validateNets } from './net-names.js';

export { validateNetNames, validateNets } from './net-names.js';
export { passesOf } from './reducers/passes.js';

export interface ProbeProgress {
  layer: string;
  layerIndex: number;
  layerCount: number;
  /** Samples read so far in this layer, over all its passes. */
  samplesDone: number;
  /** The layer's samples times its passes (1 unless a reducer asks for more). */
  samplesTotal: number;
  /** The pass being read (0-based). */
  pass?: number;
}

export interface ProbeOptions {
  nets: { name: string; path: string }[];
  out: string;
  backend: Backend;
  /** Restrict to these layers (in this order); default: every layer all nets have. */
  layers?: string[];
  /** Probe only the first N items (images, or rows of a dense layer). */
  limitItems?: number;
  /**
   * Items (images, or rows of a dense layer) per batch, as `probeOnnx`'s batchItems: a conv layer
   * reads this many items with all their positions. Default: sized from the number of units.
   */
  batchItems?: number;
  /** Samples (items x positions) per batch, instead of batchItems; default sized from the number of units. */
  batchSamples?: number;
  reducers?: Reducer[];
  /** Per-reducer option overrides, keyed by reducer name (`--<reducer>.<option>`). */
  reducerOptions?: Record<string, Record<string, unknown>>;
  command?: string;
  /** Replace a run already in `out` (only once the new probe is complete); without it, such a run is refused. */
  overwrite?: boolean;
  /** Probe only part `index` of `count` of the items (src/probe/shard.ts), for `merge`. */
  shard?: Shard;
  /** Also keep the state of this many contiguous blocks of items, for align's jackknife intervals (src/probe/blocks.ts). */
  blocks?: number;
  /** How often to save the whole state (src/probe/checkpoint.ts); null: never; default every 5 minutes. */
  checkpointEvery?: CheckpointEvery | null;
  /** Continue the unfinished probe in `out` (src/probe/resume.ts). */
  resume?: boolean;
  /** With `shard`: run the next pass of the reducers this merged run owes one (its pendingPasses). */
  nextPassFrom?: string;
  onProgress?: (p: ProbeProgress) => void;
  onLayerStart?: (layer: string, samples: number) => void;
  onLayerDone?: (record: ProbeLayerRecord) => void;
  log?: (message: string) => void;
}

/** Default batch: about 32 MB of float32 for the stacked units, at least 1024 samples. */
export function defaultBatchSamples(totalUnits: number): number {
  return Math.max(1024, Math.min(65536, Math.floor((8 * 1024 * 1024) / Math.max(1, totalUnits))));
}

/** The samples per batch of a layer: batchSamples, else batchItems whole items, else the default. */
export function batchSamplesFor(options: Pick<ProbeOptions, 'batchItems' | 'batchSamples'>, samplesPerItem: number, totalUnits: number): number {
  if (options.batchItems !== undefined && options.batchSamples !== undefined) throw new Error('give batchItems or batchSamples, not both');
  if (options.batchItems !== undefined) {
    if (!Number.isSafeInteger(options.batchItems) || options.batchItems < 1) throw new RangeError(`batchItems must be a positive integer, got ${options.batchItems}`);
    return options.batchItems * Math.max(1, samplesPerItem);
  }
  return options.batchSamples ?? defaultBatchSamples(totalUnits);
}

/** `limit` (--limit), when given, is a whole number of items, at least 1. */
export function validateLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a whole number of items, at least 1; got ${limit}`);
}

/** Reducer names from plugins become folder names (RUN/reducers/<name>/): checked like layer names. */
export function validateReducerNames(reducers: { name: string }[]): void {
  for (const r of reducers) if (r.name === 'moments' || r.name === 'topk') throw new Error(`reducer name "${r.name}" is taken by a built-in reducer; rename the plugin's reducer`);
  checkPathNames('reducer name', reducers.map((r) => r.name));
}

/** Refuses a layer with no samples to read (an empty file, a zero-size map, a limit of 0), naming its files. */
function checkHasSamples(plan: LayerInfo[][], sources: NetSource[], limitItems: number | undefined): void {
  for (const infos of plan) {
    const items = Math.min(infos[0].items, limitItems ?? Infinity);
    if (items * infos[0].samplesPerItem > 0) continue;
    const files = infos.map((info, k) => `net ${sources[k].name}: ${info.source}, shape ${JSON.stringify(info.shape)}`).join('; ');
    throw new Error(`layer ${infos[0].name} has no samples to probe (${infos[0].items} items x ${infos[0].samplesPerItem} positions; ${files}); every unit would look dead`);
  }
}

/** Chooses the layers and checks that every net agrees on their sample counts, before any work. */
export function planLayers(sources: NetSource[], requested: string[] | undefined, log: (m: string) => void): LayerInfo[][] {
  const byNet = sources.map((s) => new Map(s.layers().map((l) => [l.name, l])));
  let names: string[];
  if (requested && requested.length > 0) {
    for (const name of requested) {
      sources.forEach((s, k) => {
        if (!byNet[k].has(name)) {
          throw new Error(`net ${s.name} (${s.path}) has no layer "${name}"; it has: ${[...byNet[k].keys()].join(', ')}`);
        }
      });
    }
    names = requested;
  } else {
    names = [...byNet[0].keys()].filter((name) => byNet.every((m) => m.has(name)));
    const partial = new Set(byNet.flatMap((m) => [...m.keys()]).filter((name) => !names.includes(name)));
    if (partial.size > 0) log(`skipping layers not present in every net: ${[...partial].join(', ')}`);
    if (names.length === 0) throw new Error(`the nets have no layer in common (${sources.map((s) => `${s.name}: ${[...byNet[sources.indexOf(s)].keys()].join(', ')}`).join('; ')})`);
  }
  return names.map((name) => {
    const infos = sources.map((_, k) => byNet[k].get(name)!);
    const first = infos[0];
    infos.forEach((info, k) => {
      if (info.items !== first.items || info.samplesPerItem !== first.samplesPerItem) {
        throw new Error(
          `layer ${name}: net ${sources[k].name} has ${info.items} items x ${info.samplesPerItem} positions (${info.source}, shape ${JSON.stringify(info.shape)}) ` +
            `but net ${sources[0].name} has ${first.items} x ${first.samplesPerItem} (${first.source}, shape ${JSON.stringify(first.shape)}); ` +
            `every net must see the same samples`,
        );
      }
    });
    return infos;
  });
}

/** What a probe needs before a device: everything but the backend. */
export type ProbeInputs = Omit<ProbeOptions, 'backend'>;

/**
 * A probe whose inputs are checked and whose layers are planned, with its sources open: made by
 * prepareProbe without a device, run by runPreparedProbe on a backend, then closed.
 */
export interface PreparedProbe {
  readonly inputs: ProbeInputs;
  readonly sources: NetSource[];
  readonly plan: LayerInfo[][];
  readonly reducerOptions: Map<Reducer, Record<string, unknown>>;
  /** What probe.json records under `provenance`, the activation files hashed before any device opens. */
  readonly provenance: ProbeProvenance;
  /** `nextPassFrom`: the merged run and the reducers it owes a pass. */
  readonly nextPass?: NextPass;
  close(): Promise<void>;
}

/** The probe: prepareProbe, then runPreparedProbe on `options.backend`. */
export async function probe(options: ProbeOptions): Promise<ProbeManifest> {
  const prepared = await prepareProbe(options);
  try {
    return await runPreparedProbe(prepared, options.backend);
  } finally {
    await prepared.close();
  }
}

/**
 * Every check that needs no device: net names, limit, reducer names and options, the sources
 * opened (missing files, unsupported dtypes), the layers chosen and their sample counts compared.
 * The command line calls it before it opens a backend, so that such a mistake never waits for one.
 */
export async function prepareProbe(inputs: ProbeInputs): Promise<PreparedProbe> {
  const log = inputs.log ?? (() => {});
  validateNets(inputs.nets);
  validateLimit(inputs.limitItems);
  validateReducerNames(inputs.reducers ?? []);
  refuseLayerCkaFromActivationFiles(inputs.reducers);
  const sources: NetSource[] = [];
  const close = () => Promise.all(sources.map((s) => s.close())).then(() => {});
  try {
    for (const net of inputs.nets) sources.push(await openNetSource(net.name, net.path));
    const plan = planLayers(sources, inputs.layers, log);
    checkPathNames('layer', plan.map((infos) => infos[0].name));
    checkHasSamples(plan, sources, inputs.limitItems);
    const reducerOptions = new Map((inputs.reducers ?? []).map((r) => [r, resolveReducerOptions(r, inputs.reducerOptions?.[r.name])]));
    for (const reducer of inputs.reducers ?? []) passesOf(reducer);
    if (inputs.shard) checkShardable(inputs.reducers ?? []);
    const provenance = await activationProvenance(inputs, sources, plan, reducerOptions);
    for (const infos of plan) checkBlocks(inputs, layerShard(inputs, infos).range, `layer ${infos[0].name}: `);
    const nextPass = await openNextPass(inputs, provenance);
    return { inputs, sources, plan, reducerOptions, provenance, nextPass, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs a prepared probe on `backend` (the reducers' own checks, which may ask the backend, come first). */
export async function runPreparedProbe(prepared: PreparedProbe, backend: Backend): Promise<ProbeManifest> {
  const options: ProbeOptions = { ...prepared.inputs, backend };
  const { sources, plan, reducerOptions, provenance } = prepared;
  for (const infos of plan) {
    for (const reducer of options.reducers ?? []) validateReducerLayer(reducer, reducerLayer(options, sources, infos, reducerOptions.get(reducer)), options.shard !== undefined);
  }
  const log = options.log ?? (() => {});
  const start = await startProbe(options.out, provenance, { resume: options.resume, overwrite: options.overwrite, command: options.command, log });
  if (start.complete) return start.complete;
  const target = start.target!;
  try {
    const manifest = await probeInto({ ...options, out: target.dir }, prepared, start);
    target.finish();
    return manifest;
  } catch (e) {
    target.fail();
    throw e;
  }
}

/** The activation files read (hashed in prepareProbe, before a device opens), layers, reducers, items. */
async function activationProvenance(options: ProbeInputs, sources: NetSource[], plan: LayerInfo[][], reducerOptions: Map<Reducer, Record<string, unknown>>): Promise<ProbeProvenance> {
  const nets = [];
  for (let k = 0; k < sources.length; k++) nets.push(await activationNetProvenance(options.nets[k], plan.map((infos) => infos[k].source)));
  // Each layer is split by its own items (refused here, before a device, when a part would be
  // empty); the run's range is that of the layer with the most items.
  const shards = plan.map((infos) => layerShard(options, infos));
  const widest = shards.reduce((a, b) => (b.items > a.items ? b : a));
  return probeProvenance({
    nets,
    layers: plan.map((infos) => ({ name: infos[0].name, tensors: Object.fromEntries(infos.map((info, k) => [sources[k].name, info.source])) })),
    reducers: pluginReducerRecords(options.reducers ?? [], reducerOptions),
    items: widest.items,
    batch: options.batchItems !== undefined ? { items: options.batchItems } : options.batchSamples !== undefined ? { samples: options.batchSamples } : undefined,
    range: widest.range,
    shard: options.shard,
    blocks: options.blocks,
  });
}

/** The probe proper, writing into `options.out` (the run directory, its staging folder, or the run resumed). */
async function probeInto(options: ProbeOptions, prepared: PreparedProbe, start: ProbeStart): Promise<ProbeManifest> {
  const { sources, plan, reducerOptions, provenance, nextPass } = prepared;
  const manifest: ProbeManifest = start.existing ?? {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: options.backend.description,
    nets: options.nets.map((n) => ({ name: n.name, path: n.path })),
    layers: [],
    pending: plan.map((infos) => infos[0].name),
    reducers: provenance.reducers.map((r) => r.name),
    provenance,
    ...(nextPass ? { nextPassOf: nextPass.run } : {}),
  };
  // A run resumed on another backend says so in probe.json at once (its checkpoint mixes the two).
  const recordedBackend = manifest.backend;
  if (start.existing) manifest.backend = resumedBackend(recordedBackend, options.backend.description, options.log);
  if (!start.existing || manifest.backend !== recordedBackend) await writeManifest(options.out, manifest);
  if (options.blocks !== undefined && !nextPass) options.log?.(blocksCostNote(options.blocks, plan.map((infos) => infos.reduce((sum, info) => sum + info.units, 0))));
  const position = start.checkpoint?.meta.position as { layer: string; pass: number; samplesDone: number } | undefined;
  const clock = new CheckpointClock(options.checkpointEvery === undefined ? DEFAULT_CHECKPOINT_EVERY : options.checkpointEvery ?? undefined);
  for (let li = 0; li < plan.length; li++) {
    const name = plan[li][0].name;
    if (manifest.layers.some((l) => l.name === name)) continue; // finished before the probe was stopped
    const saved = position?.layer === name ? start.checkpoint!.layers.find((l) => l.name === name) : undefined;
    const { record, savedStates } = await probeActivationLayer({
      options,
      sources,
      infos: plan[li],
      layerIndex: li,
      layerCount: plan.length,
      reducerOptions,
      provenance,
      clock,
      nextPass,
      resume: saved && position ? { pass: position.pass, samplesDone: position.samplesDone, states: saved.states } : undefined,
    });
    // The checkpoint's states now live in (or were folded into) this layer's: let them go.
    if (saved) start.checkpoint = undefined;
    manifest.layers.push(record);
    manifest.pending = manifest.pending.filter((p) => p !== record.name);
    if (savedStates.length > 0) manifest.reducerStates = savedStates;
    await writeManifest(options.out, manifest);
    options.onLayerDone?.(record);
  }
  removeCheckpoint(options.out);
  return manifest;
}

/** probe.json, written atomically: a reader sees the previous version or this one, never a part. */
export async function writeManifest(out: string, manifest: ProbeManifest): Promise<void> {
  await writeJsonAtomic(runPaths.manifest(out), manifest);
}

function reducerLayer(options: ProbeOptions, sources: NetSource[], infos: LayerInfo[], reducerOptions?: Record<string, unknown>): ReducerLayer {
  const items = Math.min(infos[0].items, options.limitItems ?? Infinity);
  return {
    layer: infos[0].name,
    nets: sources.map((s, k) => ({ name: s.name, units: infos[k].units })),
    samples: items * infos[0].samplesPerItem,
    samplesPerItem: infos[0].samplesPerItem,
    backend: options.backend,
    options: reducerOptions ?? {},
  };
}

/**
 * A reducer's checks of one layer before the probe reads anything: its own `validate`, and, in a
 * sharded probe, that the layer needs no more passes than the reducer declares (merge moves the
 * parts' states on by the declared passes, one at a time).
 */
export function validateReducerLayer(reducer: Reducer, layer: ReducerLayer, sharded: boolean): void {
  reducer.validate?.(layer);
  const passes = passesOf(reducer, layer);
  if (sharded && passes > passesOf(reducer)) {
    throw new Error(
      `reducer ${reducer.name}, layer ${layer.layer}: needs ${passes} passes over the layer here (more than its usual ${passesOf(reducer)}, e.g. mutual-information counts in tiles), ` +
        `which a sharded probe (--shard) cannot run; probe this layer without --shard${reducer.name === 'mi-histograms' ? ', or raise --mi-histograms.max-memory-mb (--mi.max-memory-mb with `convergent run`) until it is counted whole' : ''}`,
    );
  }
}

/**
 * Writes a finished layer: its joint moments (mean.npy, m2.npy, count.json) and every reducer's
 * output. Shared by the probe from activation files and the probe from ONNX models.
 */
export async function writeLayerState(
  out: string,
  name: string,
  nets: { name: string; units: number }[],
  moments: LayerAccumulator,
  reducerStates: { reducer: { name: string }; state: ReducerState }[],
): Promise<{ n: number; d: number }> {
  const dir = runPaths.momentsDir(out, name);
  await ensureDir(dir);
  const result = moments.resultView(); // m2 is the accumulator's own: no second D x D copy
  await writeNpy(join(dir, 'mean.npy'), result.mean, [result.d]);
  await writeNpy(join(dir, 'm2.npy'), result.m2, [result.d, result.d]);
  // dtype: the precision of each net's activations, which align's dead-unit rule follows.
  await writeJsonAtomic(join(dir, 'count.json'), { samples: result.n, units: nets, dtype: moments.dtypes() });
  await writeReducerOutputs(out, name, reducerStates);
  return { n: result.n, d: result.d };
}

/** Finishes each reducer state of layer `name` and writes its output under RUN/reducers/<reducer>/<layer>/. */
export async function writeReducerOutputs(out: string, name: string, reducerStates: { reducer: { name: string }; state: ReducerState }[]): Promise<void> {
  for (const { reducer, state } of reducerStates) {
    const output = await state.finish();
    const rdir = runPaths.reducerDir(out, reducer.name, name);
    await ensureDir(rdir);
    for (const [key, array] of Object.entries(output.arrays ?? {})) {
      // Array names become file names: nothing that could reach outside the reducer's folder.
      if (!isPlainFileName(key)) {
        throw new Error(`reducer ${reducer.name}, layer ${name}: array name "${key}" may use letters, digits, '.', '_' and '-' only, not starting with '.'`);
      }
      await writeNpy(join(rdir, `${key}.npy`), array.data, array.shape);
    }
    if (output.json !== undefined) await writeJsonAtomic(join(rdir, 'result.json'), output.json);
  }
}
