// What Fig. 2 needs from a run's top-k records (RUN/reducers/topk/<layer>/, written by the probe
// of ONNX models): per unit, how many of its k slots hold an image it fires on, whether any slot
// holds a filler (an image at value <= 0: runs probed before empty slots were marked as -1, whose
// patch PNGs show such images as if they were the unit's best, and so are not shown), and on how
// many probe images it fires.
import { activeImagesPath, topkRecordPath } from '../run-dir/layout.js';
import { decodeNpyBytes } from './npy-bytes.js';
import { readText, type RunFiles } from './run-files.js';

export interface NetTopK {
  /** Per unit: slots holding an image the unit fires on. */
  filled: Int32Array;
  /** Per unit: 1 when a slot holds an image at value <= 0 (an old run's filler). */
  filler: Uint8Array;
  /** Per unit: images it fires on (absent in runs probed before the count was kept). */
  active?: Int32Array;
}

export interface LayerTopK {
  k: number;
  /** Images probed (from result.json), when recorded. */
  images?: number;
  nets: Map<string, NetTopK>;
}

async function netRecords(files: RunFiles, dir: string, net: string, k: number): Promise<NetTopK | undefined> {
  const items = topkRecordPath(dir, net, 'items');
  const values = topkRecordPath(dir, net, 'values');
  const itemBytes = await files.read(items);
  const valueBytes = await files.read(values);
  if (itemBytes === undefined || valueBytes === undefined) return undefined;
  const it = decodeNpyBytes(itemBytes, items);
  const va = decodeNpyBytes(valueBytes, values);
  const units = Math.floor(it.data.length / k);
  const filled = new Int32Array(units);
  const filler = new Uint8Array(units);
  for (let u = 0; u < units; u++) {
    for (let j = 0; j < k; j++) {
      if (it.data[u * k + j] < 0) continue;
      if (va.data[u * k + j] > 0) filled[u]++;
      else filler[u] = 1;
    }
  }
  const activePath = activeImagesPath(dir, net);
  const activeBytes = await files.read(activePath);
  const active = activeBytes !== undefined ? Int32Array.from(decodeNpyBytes(activeBytes, activePath).data as ArrayLike<number>) : undefined;
  return { filled, filler, ...(active ? { active } : {}) };
}

/**
 * A layer's top-k records for the given nets, from `dir` (the top-k reducer's folder for the layer,
 * `runPaths.reducerDir(run, 'topk', layer)`), or undefined when the run has none.
 */
export async function readLayerTopK(files: RunFiles, dir: string, nets: string[]): Promise<LayerTopK | undefined> {
  const resultPath = `${dir}/result.json`;
  const resultText = await readText(files, resultPath);
  if (resultText === undefined) return undefined;
  const result = JSON.parse(resultText) as { k?: number; nets?: Record<string, { images?: number }> };
  const k = Number(result.k);
  if (!Number.isInteger(k) || k < 1) return undefined;
  const out: LayerTopK = { k, nets: new Map() };
  const images = Object.values(result.nets ?? {}).find((n) => typeof n.images === 'number')?.images;
  if (images !== undefined) out.images = images;
  for (const net of nets) {
    const records = await netRecords(files, dir, net, k);
    if (records) out.nets.set(net, records);
  }
  return out;
}
