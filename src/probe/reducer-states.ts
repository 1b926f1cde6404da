// Reducer states beyond one uninterrupted probe: the checks that a reducer can be checkpointed or
// sharded, saving the states a part leaves for `merge`, and opening the states a probe continues
// from (a checkpoint, or the merged state of a multi-pass reducer for its next pass).
import { runPaths, type ProbeManifest } from '../run-dir/layout.js';
import type { Reducer, ReducerLayer, ReducerSnapshot, ReducerState } from './reducers/types.js';
import { readReducerSnapshot, writeReducerSnapshot } from './snapshot-io.js';

/** A sharded probe needs every plugin reducer to save, restore and merge its state. */
export function checkShardable(reducers: Reducer[]): void {
  for (const r of reducers) {
    const missing = missingMergeFunctions(r);
    if (missing.length > 0) {
      throw new Error(`reducer ${r.name} cannot be sharded: it declares no ${missing.join(' or ')} (see "Plugin reducers" in the README); probe without --shard, or leave it out`);
    }
  }
}

/** What a reducer lacks for its parts' states to be restored and merged ('merge', 'restore'). */
export function missingMergeFunctions(reducer: Reducer): string[] {
  return (['merge', 'restore'] as const).filter((m) => typeof reducer[m] !== 'function');
}

/** Reducers whose states cannot be saved: a probe with them checkpoints only between layers (activation files) or not at all. */
export function unsavable(states: { reducer: Reducer; state: ReducerState }[]): string[] {
  return states.filter(({ reducer, state }) => typeof state.snapshot !== 'function' || typeof reducer.restore !== 'function').map(({ reducer }) => reducer.name);
}

export async function snapshotOf(reducer: Reducer, state: ReducerState, layer: string): Promise<ReducerSnapshot> {
  if (!state.snapshot) throw new Error(`reducer ${reducer.name}, layer ${layer}: its state cannot be saved (no snapshot())`);
  return state.snapshot();
}

/** A reducer's state continued from a snapshot, refused when the reducer cannot restore. */
export function restoreReducer(reducer: Reducer, layer: ReducerLayer, snapshot: ReducerSnapshot): ReducerState {
  if (!reducer.restore) throw new Error(`reducer ${reducer.name}, layer ${layer.layer}: it cannot continue from a saved state (no restore())`);
  return reducer.restore(layer, snapshot);
}

/** Saves each reducer's state of `layer` into the part (runPaths.reducerState), for `merge`. */
export async function saveReducerStates(out: string, layer: string, states: { reducer: Reducer; state: ReducerState }[]): Promise<void> {
  for (const { reducer, state } of states) {
    await writeReducerSnapshot(runPaths.reducerState(out, reducer.name, layer), await snapshotOf(reducer, state, layer), `reducer ${reducer.name}, layer ${layer}`);
  }
}

/**
 * `probe --next-pass RUN`: the reducers RUN still owes a pass (probe.json pendingPasses), each
 * with that pass; refused when there are none, naming RUN.
 */
export function pendingPasses(run: string, manifest: ProbeManifest, reducers: Reducer[]): { reducer: Reducer; pass: number }[] {
  const pending = manifest.pendingPasses ?? [];
  if (pending.length === 0) throw new Error(`--next-pass ${run}: that run owes no reducer another pass (its probe.json lists no pendingPasses); it is complete, or not a merge of first-pass parts`);
  return pending.map(({ reducer: name, pass }) => {
    const reducer = reducers.find((r) => r.name === name);
    if (!reducer) throw new Error(`--next-pass ${run}: reducer ${name} owes pass ${pass}, but this probe does not load it; give --reducer ${name} (and its plugin) as in the first pass`);
    return { reducer, pass };
  });
}

/** The merged state of `reducer` for `layer` in RUN, at the start of its next pass. */
export async function readPendingState(run: string, reducer: Reducer, layer: ReducerLayer): Promise<ReducerState> {
  return restoreReducer(reducer, layer, await readReducerSnapshot(runPaths.reducerState(run, reducer.name, layer.layer)));
}
