// RUN/reducers/topk/<layer>/ as a probe from ONNX models writes it: per net the records
// (<net>.{values,items,y,x}.npy: k slots per unit; <net>.active.npy: the images each unit fires
// on), each unit's patch picture (<net>/<unit>.png, src/probe/patch-drawing.ts) and result.json.
// One writer for the CLI's probe (src/probe/forward-probe-run.ts, on disk) and the web page's
// (src/study/probe.ts, a run in memory): they differ only in where the files go. Browser-safe.
import type { ReceptiveField } from '../forward/receptive-field.js';
import { join } from '../platform/node-path.js';
import { activeImagesPath, safeName, topkRecordPath } from '../run-dir/layout.js';
import { drawUnitPatches, type ItemCache, type PatchSource } from './patch-drawing.js';
import type { TopKRecord, TopKUnits } from './reducers/topk.js';
import type { StateWriter } from './snapshot-io.js';

/** Where a run's files go: the saved-state writer's npy and JSON, and raw bytes (the PNGs). */
export interface RunFileSink extends StateWriter {
  bytes(path: string, data: Uint8Array): Promise<void>;
}

/** The images the patches are cut from, and a cache of decoded items (shared by all layers if the caller likes). */
export interface TopKPatches {
  source: PatchSource;
  cache: ItemCache;
}

/** One net's record at a layer: k slots per unit (values, items, y, x) and the images each unit fires on. */
export async function writeTopKRecord(to: RunFileSink, dir: string, net: string, record: TopKRecord, k: number): Promise<void> {
  const units = record.activeItems.length;
  await to.npy(topkRecordPath(dir, net, 'values'), record.values, [units, k]);
  await to.npy(topkRecordPath(dir, net, 'items'), record.items, [units, k]);
  await to.npy(topkRecordPath(dir, net, 'y'), record.ys, [units, k]);
  await to.npy(topkRecordPath(dir, net, 'x'), record.xs, [units, k]);
  await to.npy(activeImagesPath(dir, net), record.activeItems, [units]);
}

/** Writes the top-k records of every net at one layer into `dir`, with each unit's patches when `patches` is given. */
export async function writeTopKLayer(to: RunFileSink, dir: string, nets: string[], tops: TopKUnits[], fields: ReceptiveField[], k: number, patches?: TopKPatches): Promise<void> {
  await to.ensureDir(dir);
  const meta: Record<string, unknown> = {};
  for (const [j, net] of nets.entries()) {
    const record = tops[j].result();
    const units = tops[j].units;
    await writeTopKRecord(to, dir, net, record, k);
    meta[net] = { units, map: [tops[j].height, tops[j].width], receptiveField: fields[j], images: record.itemsSeen };
    if (patches) {
      const pictures = join(dir, safeName(net));
      await to.ensureDir(pictures);
      await drawUnitPatches(record, k, fields[j], patches.source, (u, png) => to.bytes(join(pictures, `${u}.png`), png), patches.cache);
    }
  }
  const notes = { items: 'indices into the probe data (see probe.json data.source); -1: an empty slot (the unit fired on fewer than k images)', active: 'per unit, the images on which it fires (maximum over positions > 0)' };
  await to.json(join(dir, 'result.json'), { k, nets: meta, ...notes });
}
