// The probe reducers of the page's study (mi-histograms for `mi`, sample-norms for `debiased-cka`,
// `null` for the chance levels, or a plugin's), run as the CLI's ONNX probe runs them
// (src/probe/forward-probe-run.ts): one state per layer, created with the layer's ReducerLayer,
// fed the unit-major batches after the moments, told nextPass() between passes, and finished into
// RUN/reducers/<name>/<layer>/ of the run held in memory, where align finds them. Browser-safe.
import type { Backend } from '../backend/types.js';
import { resolveReducerOptions } from '../probe/reducers/options.js';
import { passesOf } from '../probe/reducers/passes.js';
import type { Reducer, ReducerBatch, ReducerLayer, ReducerState } from '../probe/reducers/types.js';
import { checkPathNames, isPlainFileName, runPaths } from '../run-dir/layout.js';
import type { MemoryRun } from './memory-run.js';

/** A reducer with its options resolved (declared defaults overridden by the given ones). */
export interface PlannedReducer {
  reducer: Reducer;
  options: Record<string, unknown>;
}

/** Passes over the data `reducer` needs, for `layer` when given (the CLI's passesOf). */
export const reducerPasses = passesOf;

/** Every check before any work: names that become folders, options, passes. */
export function planReducers(reducers: Reducer[], given: Record<string, Record<string, unknown>> = {}): PlannedReducer[] {
  for (const r of reducers) if (r.name === 'moments' || r.name === 'topk') throw new Error(`reducer name "${r.name}" is taken by a built-in reducer; rename the plugin's reducer`);
  checkPathNames('reducer name', reducers.map((r) => r.name));
  return reducers.map((reducer) => {
    reducerPasses(reducer);
    return { reducer, options: resolveReducerOptions(reducer, given[reducer.name]) };
  });
}

/** The layer as a reducer is told about it (src/probe/reducers/types.ts ReducerLayer). */
export function reducerLayer(layer: string, nets: { name: string; units: number }[], items: number, samplesPerItem: number, backend: Backend, planned: PlannedReducer): ReducerLayer {
  return { layer, nets, samples: items * samplesPerItem, samplesPerItem, backend, options: planned.options };
}

/** One layer's reducer states through every pass. */
export class LayerReducers {
  private constructor(
    private readonly layer: string,
    private readonly states: { reducer: Reducer; state: ReducerState; passes: number }[],
  ) {}

  /** The states of one layer: `layers[i]` describes it to `planned[i]` (validated before, as the CLI does for every layer first). */
  static create(layers: ReducerLayer[], planned: PlannedReducer[]): LayerReducers {
    return new LayerReducers(layers[0]?.layer ?? '', planned.map((p, i) => ({ reducer: p.reducer, state: p.reducer.create(layers[i]), passes: reducerPasses(p.reducer, layers[i]) })));
  }

  /** A batch of pass `pass`, to the reducers that need that pass. */
  async update(batch: ReducerBatch & { pass: number }): Promise<void> {
    for (const { state, passes } of this.states) if (passes > batch.pass) await state.update(batch);
  }

  /** Before pass `pass` (1, 2, ...): the reducers that need it start it. */
  async nextPass(pass: number): Promise<void> {
    for (const { state, passes } of this.states) if (passes > pass) await state.nextPass?.(pass);
  }

  /** Finishes every state and writes its output as the CLI does (src/probe/probe.ts writeReducerOutputs). */
  async finishInto(run: MemoryRun): Promise<void> {
    for (const { reducer, state } of this.states) {
      const output = await state.finish();
      const dir = runPaths.reducerDir(run.root, reducer.name, this.layer);
      for (const [key, array] of Object.entries(output.arrays ?? {})) {
        if (!isPlainFileName(key)) throw new Error(`reducer ${reducer.name}, layer ${this.layer}: array name "${key}" may use letters, digits, '.', '_' and '-' only, not starting with '.'`);
        run.writeNpy(`${dir}/${key}.npy`, array.data, array.shape);
      }
      if (output.json !== undefined) run.writeJson(`${dir}/result.json`, output.json);
    }
  }

  async dispose(): Promise<void> {
    for (const { state } of this.states) await state.dispose?.();
  }
}
