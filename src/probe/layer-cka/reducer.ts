// `layer-cka` as the probe sees it by name: a reducer entry, so that `convergent run --method
// layer-cka` adds it to the probe like any reducer a method requires (src/align/method-selection.ts),
// its options (--layer-cka.pool, --layer-cka.max-memory-mb) are resolved, recorded in the
// provenance and compared on --resume, and probe.json lists it (align refuses the method on a run
// without it). The work is not per layer: the probe from ONNX models keeps one state across all
// layers (./accumulator.ts) when this reducer is among its reducers; the per-layer state here
// does nothing (it saves an empty state, so checkpoints are not blocked by it).
//
// It declares no merge: `probe --shard` refuses it (src/probe/layer-cka/plan.ts: merging the parts' joint state is not built).
import type { Reducer, ReducerState } from '../reducers/types.js';
import { DEFAULT_MAX_MEMORY_MB } from './blocks.js';

export const LAYER_CKA = 'layer-cka';

const perLayerState: ReducerState = {
  update() {},
  finish: () => ({ json: { note: 'layer-cka keeps one state for all layers: see RUN/layer-cka/' } }),
  snapshot: () => ({ arrays: {}, json: { reducer: LAYER_CKA, pass: 0 } }),
};

export const layerCkaReducer: Reducer = {
  name: LAYER_CKA,
  description: 'per-image pooled features of every layer of every net, their joint moments and norm sums, for linear CKA (biased and debiased) between every pair of layers (method layer-cka); ONNX probes only',
  options: {
    pool: { type: 'string', default: 'mean', describe: 'conv layers: "mean" (the global average over positions) or KxK (a K x K grid of average-pooled cells, units x K x K features)' },
    'max-memory-mb': { type: 'number', default: DEFAULT_MAX_MEMORY_MB, describe: 'refuse a probe whose joint layer-cka state (D^2 x 8 bytes x 2, D the pooled features of all layers of all nets) would need more memory than this' },
  },
  create: () => perLayerState,
  restore: () => perLayerState,
};

/** Whether the probe was asked for layer-cka. */
export function wantsLayerCka(reducers: readonly { name: string }[] | undefined): boolean {
  return (reducers ?? []).some((r) => r.name === LAYER_CKA);
}
