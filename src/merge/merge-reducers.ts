// Plugin and multi-pass reducers (e.g. mi-histograms): each part saves its reducer states at the
// end of a pass (reducers/<reducer>/<layer>/state/, listed in probe.json `reducerStates`); merge
// combines them pairwise in item order with the reducer's own merge, so two states are in memory
// at most. A state whose pass is the reducer's last is restored and finished: its output is
// written as the probe writes it. Otherwise it is restored, moved on to the next pass, and saved
// into the merged run for the next pass's shards (`probe --shard K/N --next-pass RUN`); probe.json
// lists it in `pendingPasses`. The merged state is saved in the run too, so that merged runs can
// themselves be merged (parts of parts).
import type { Backend } from '../backend/types.js';
import { passesOf } from '../probe/probe.js';
import { missingMergeFunctions, restoreReducer, snapshotOf } from '../probe/reducer-states.js';
import type { Reducer, ReducerLayer, ReducerSnapshot, ReducerState } from '../probe/reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from '../probe/snapshot-io.js';
import { runPaths } from '../run-dir/layout.js';
import { layerRecord, type Part } from './parts.js';

/** The built-in reducers, merged from their files (merge-moments.ts, merge-topk.ts), not from saved states. */
export const BUILTIN_REDUCERS = new Set(['moments', 'topk']);

/** The reducers of the parts' provenance that merge from saved states, looked up by name (plugins loaded as for the probe). */
export function stateReducers(parts: Part[], lookup: (name: string) => Reducer | undefined): { reducer: Reducer; options: Record<string, unknown> }[] {
  return parts[0].provenance.reducers
    .filter((r) => !BUILTIN_REDUCERS.has(r.name))
    .map(({ name, options }) => {
      const reducer = lookup(name);
      if (!reducer) throw new Error(`the parts were probed with reducer ${name}, which no loaded plugin provides; give merge the same --plugin as the probe`);
      const missing = missingMergeFunctions(reducer);
      if (missing.length > 0) throw new Error(`reducer ${name} cannot be merged: it declares no ${missing.join(' or ')} (see "Plugin reducers" in the README)`);
      return { reducer, options };
    });
}

/** What a reducer needs to know of the layer whose states merge. */
export interface ReducerLayerContext {
  layer: string;
  nets: { name: string; units: number }[];
  samplesPerItem: number;
  options: Record<string, unknown>;
  backend?: Backend;
}

/** The pass at whose end a part saved the reducer's state, refused when it saved none. */
function savedPass(part: Part, reducer: string): number {
  const saved = (part.manifest.reducerStates ?? []).find((r) => r.reducer === reducer);
  if (!saved) throw new Error(`part ${part.path} saved no state of reducer ${reducer} (probe.json reducerStates), so it cannot be merged; probe it again with --shard`);
  return saved.pass;
}

/**
 * The parts' states of `reducer` for the layer merged pairwise in item order: merge(merge(p0, p1), p2), ...
 * Returns the merged snapshot, the pass the parts ended and the samples they cover.
 */
export async function mergeReducerStates(parts: Part[], reducer: Reducer, context: ReducerLayerContext): Promise<{ snapshot: ReducerSnapshot; pass: number; samples: number }> {
  const pass = savedPass(parts[0], reducer.name);
  let merged: ReducerSnapshot | undefined;
  let samples = 0;
  for (const part of parts) {
    const partPass = savedPass(part, reducer.name);
    if (partPass !== pass) throw new Error(`reducer ${reducer.name}: part ${parts[0].path} saved its state after pass ${pass}, part ${part.path} after pass ${partPass}; merge parts of the same pass`);
    const next = await readReducerSnapshot(runPaths.reducerState(part.path, reducer.name, context.layer));
    samples += layerRecord(part, context.layer).samples;
    try {
      merged = merged ? reducer.merge!(reducerLayer(context, samples), merged, next) : next;
    } catch (e) {
      throw new Error(`reducer ${reducer.name}, layer ${context.layer}, part ${part.path}: ${(e as Error).message}`);
    }
  }
  return { snapshot: merged!, pass, samples };
}

export function reducerLayer(context: ReducerLayerContext, samples: number): ReducerLayer {
  return { layer: context.layer, nets: context.nets, samples, samplesPerItem: context.samplesPerItem, backend: context.backend, options: context.options };
}

/**
 * A merged state continued: at the reducer's last pass, saved into run `out` and restored, to
 * finish (`finish`); otherwise restored, moved on to the next pass and saved into `out` for that
 * pass's shards (`pending`, the pass they run).
 */
export async function continueMergedState(
  out: string,
  reducer: Reducer,
  context: ReducerLayerContext,
  merged: { snapshot: ReducerSnapshot; pass: number; samples: number },
): Promise<{ finish: ReducerState } | { pending: number }> {
  const dir = runPaths.reducerState(out, reducer.name, context.layer);
  const what = `reducer ${reducer.name}, layer ${context.layer}`;
  if (merged.pass + 1 >= passesOf(reducer)) {
    // Saved (so that this run can be merged again) before restore, which may take the arrays over.
    await writeReducerSnapshot(dir, merged.snapshot, what);
    return { finish: restoreReducer(reducer, reducerLayer(context, merged.samples), merged.snapshot) };
  }
  const state = restoreReducer(reducer, reducerLayer(context, merged.samples), merged.snapshot);
  try {
    await state.nextPass?.(merged.pass + 1);
    await writeReducerSnapshot(dir, await snapshotOf(reducer, state, context.layer), what);
  } finally {
    await state.dispose?.();
  }
  return { pending: merged.pass + 1 };
}

/** What the reducers of one layer leave: states to finish (with the layer's moments), passes still to run, states saved. */
export interface LayerReducers {
  finished: { reducer: Reducer; state: ReducerState }[];
  pending: { reducer: string; pass: number }[];
  saved: { reducer: string; pass: number }[];
}

/**
 * Every reducer's states of the parts for `layer`, merged and continued (continueMergedState) into
 * run `out`. `expectedPass`, when given, is the pass each reducer's parts must have ended (a next
 * pass). On an error the states restored so far are disposed.
 */
export async function mergeLayerReducers(
  out: string,
  parts: Part[],
  reducers: { reducer: Reducer; options: Record<string, unknown> }[],
  context: Omit<ReducerLayerContext, 'options'>,
  expectedPass?: (reducer: string) => number,
): Promise<LayerReducers> {
  const result: LayerReducers = { finished: [], pending: [], saved: [] };
  try {
    for (const { reducer, options } of reducers) {
      const layerContext = { ...context, options };
      const merged = await mergeReducerStates(parts, reducer, layerContext);
      const expected = expectedPass?.(reducer.name);
      if (expected !== undefined && merged.pass !== expected) {
        throw new Error(`reducer ${reducer.name}: ${out} waits for pass ${expected}, but the parts saved their states after pass ${merged.pass}`);
      }
      const next = await continueMergedState(out, reducer, layerContext, merged);
      if ('finish' in next) {
        result.finished.push({ reducer, state: next.finish });
        result.saved.push({ reducer: reducer.name, pass: merged.pass });
      } else {
        result.pending.push({ reducer: reducer.name, pass: next.pending });
      }
    }
  } catch (e) {
    for (const { state } of result.finished) await state.dispose?.();
    throw e;
  }
  return result;
}

/** Adds a layer's pending passes and saved states to the run's lists (one entry per reducer). */
export function recordReducerPasses(manifest: { pendingPasses?: { reducer: string; pass: number }[]; reducerStates?: { reducer: string; pass: number }[] }, layer: LayerReducers): void {
  for (const p of layer.pending) if (!manifest.pendingPasses?.some((q) => q.reducer === p.reducer)) (manifest.pendingPasses ??= []).push(p);
  for (const s of layer.saved) if (!manifest.reducerStates?.some((q) => q.reducer === s.reducer)) (manifest.reducerStates ??= []).push(s);
}
