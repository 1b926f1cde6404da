// Planning layer-cka before a probe reads anything: its blocks from the layers' shapes, the memory
// its joint state needs (printed, and refused above --layer-cka.max-memory-mb), and the refusal of
// the probe paths it does not support.
import type { Reducer } from '../reducers/types.js';
import { checkLayerCkaMemory, layerCkaBlocks, layerCkaSettings, type LayerCkaBlock } from './blocks.js';
import { LAYER_CKA } from './reducer.js';

export interface LayerCkaPlan {
  blocks: LayerCkaBlock[];
  /** --layer-cka.pool as resolved ('mean' or 'KxK'). */
  pool: string;
}

/** The plan when `reducers` include layer-cka (else undefined): blocks net-major, memory checked and logged. */
export function planLayerCka(
  reducerOptions: Map<Reducer, Record<string, unknown>>,
  nets: string[],
  layers: string[],
  shapes: { units: number; height: number; width: number }[][],
  log: (message: string) => void,
): LayerCkaPlan | undefined {
  const entry = [...reducerOptions].find(([reducer]) => reducer.name === LAYER_CKA);
  if (!entry) return undefined;
  const options = entry[1];
  const settings = layerCkaSettings(options);
  const blocks = layerCkaBlocks(nets, layers, shapes, settings.grid);
  checkLayerCkaMemory(blocks, settings, log);
  return { blocks, pool: String(options.pool ?? 'mean') };
}

/** The probe from activation files reads one layer after another: layer-cka, which needs every layer of an image at once, is refused there. */
export function refuseLayerCkaFromActivationFiles(reducers: readonly { name: string }[] | undefined): void {
  if ((reducers ?? []).some((r) => r.name === LAYER_CKA)) {
    throw new Error(
      `${LAYER_CKA} needs every layer of an image at once, and the probe from activation files reads one layer after another: ` +
        'it is supported only for ONNX nets with --data (convergent run --net NAME=MODEL.onnx --data ... --method layer-cka); leave out --method layer-cka (or --reducer layer-cka) for activation files',
    );
  }
}

/** A part of a sharded probe cannot carry layer-cka: merging the parts' joint state is not built. */
export function refuseLayerCkaShard(reducers: readonly { name: string }[] | undefined): void {
  if ((reducers ?? []).some((r) => r.name === LAYER_CKA)) {
    throw new Error(`${LAYER_CKA} cannot be sharded yet (merging the parts' joint layer-cka state is not built): probe without --shard (checkpoints and --resume work), or leave out --method layer-cka (--reducer layer-cka)`);
  }
}
