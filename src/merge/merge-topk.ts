// The top-k records of one layer over all parts (ONNX runs): per net, the parts' records
// (reducers/topk/<layer>/<net>.{values,items,y,x,active}.npy and result.json's `images`; item
// indices are global) merged in item order by mergeTopKRecords, which keeps the single run's tie
// rule, and written as the probe writes them. Each unit's patches are then drawn again from the
// data (patch-data.ts reopens it as the probe did), so they show exactly the merged top-k.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { readNpy } from '../inputs/npy/npy-read.js';
import { ItemCache, patchDir, writeUnitPatches, type PatchSource } from '../probe/patches.js';
import { mergeTopKRecords, type TopKRecord } from '../probe/reducers/topk.js';
import { ensureDir, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { diskRunFiles } from '../probe/disk-run-files.js';
import { writeTopKRecord } from '../probe/topk-files.js';
import { activeImagesPath, runPaths, topkRecordPath } from '../run-dir/layout.js';
import type { Part } from './parts.js';

/** What reducers/topk/<layer>/result.json holds (src/probe/topk-files.ts writeTopKLayer). */
interface TopKResultJson {
  k: number;
  nets: Record<string, { units: number; map: [number, number]; receptiveField: ReceptiveField; images: number }>;
  [note: string]: unknown;
}

/** Merges the layer's top-k records of `parts` (in item order) into run `out`, with patches when `patches` is given. */
export async function mergeLayerTopK(parts: Part[], layer: string, nets: string[], out: string, patches?: PatchSource): Promise<void> {
  const results = await Promise.all(parts.map((part) => readResultJson(part, layer)));
  const { k } = results[0];
  const dir = runPaths.reducerDir(out, 'topk', layer);
  await ensureDir(dir);
  const merged: TopKResultJson = { ...results[0], nets: { ...results[0].nets } };
  const cache = patches ? new ItemCache(patches) : undefined;
  for (const net of nets) {
    let record: TopKRecord | undefined;
    for (let i = 0; i < parts.length; i++) {
      const next = await readPartRecord(parts[i], layer, net, results[i]);
      try {
        record = record ? mergeTopKRecords(record, next, k) : next;
      } catch (e) {
        throw new Error(`layer ${layer}, net ${net}, part ${parts[i].path}: ${(e as Error).message}`);
      }
    }
    await writeTopKRecord(diskRunFiles, dir, net, record!, k);
    merged.nets[net] = { ...results[0].nets[net], images: record!.itemsSeen };
    if (patches) await writeUnitPatches(patchDir(dir, net), record!, k, results[0].nets[net].receptiveField, patches, cache);
  }
  await writeJsonAtomic(join(dir, 'result.json'), merged);
}

async function readResultJson(part: Part, layer: string): Promise<TopKResultJson> {
  const path = join(runPaths.reducerDir(part.path, 'topk', layer), 'result.json');
  let json: TopKResultJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as TopKResultJson;
  } catch (e) {
    throw new Error(`part ${part.path}, layer ${layer}: cannot read the top-k record ${path} (${(e as Error).message})`);
  }
  if (!Number.isInteger(json.k) || json.k < 1 || typeof json.nets !== 'object' || json.nets === null) throw new Error(`${path}: not a top-k result (k, nets)`);
  return json;
}

/** One net's record in a part's files, as the tracker holds it. */
async function readPartRecord(part: Part, layer: string, net: string, result: TopKResultJson): Promise<TopKRecord> {
  const dir = runPaths.reducerDir(part.path, 'topk', layer);
  const meta = result.nets[net];
  if (!meta || !Number.isSafeInteger(meta.images)) throw new Error(`${join(dir, 'result.json')}: no record of net ${net} (its images seen)`);
  const read = async (path: string, type: 'float32' | 'int32') => {
    const { data } = await readNpy(path);
    if ((type === 'float32' && !(data instanceof Float32Array)) || (type === 'int32' && !(data instanceof Int32Array))) throw new Error(`${path}: expected ${type}, as the probe writes it`);
    return data;
  };
  return {
    values: (await read(topkRecordPath(dir, net, 'values'), 'float32')) as Float32Array,
    items: (await read(topkRecordPath(dir, net, 'items'), 'int32')) as Int32Array,
    ys: (await read(topkRecordPath(dir, net, 'y'), 'int32')) as Int32Array,
    xs: (await read(topkRecordPath(dir, net, 'x'), 'int32')) as Int32Array,
    activeItems: (await read(activeImagesPath(dir, net), 'int32')) as Int32Array,
    itemsSeen: meta.images,
  };
}
