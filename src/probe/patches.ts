// Writes each unit's top-k image patches (drawn by patch-drawing.ts) as one PNG,
// RUN/reducers/topk/<layer>/<net>/<unit>.png, which the report's Fig. 2 shows next to each matched
// unit: a run draws one PNG per unit of every layer, so small files keep the probe fast.
import { ensureDir, writeFileAtomic } from '../run-dir/atomic-write.js';
import { join } from 'node:path';
import type { ReceptiveField } from '../forward/receptive-field.js';
import type { TopKRecord } from './reducers/topk.js';
import { safeName } from '../run-dir/layout.js';
import { drawUnitPatches, ItemCache, type PatchSource } from './patch-drawing.js';

/** Writes one PNG per unit into `dir`; returns the number written. */
export async function writeUnitPatches(
  dir: string,
  record: TopKRecord,
  k: number,
  field: ReceptiveField,
  source: PatchSource,
  cache = new ItemCache(source),
): Promise<number> {
  await ensureDir(dir);
  let written = 0;
  await drawUnitPatches(record, k, field, source, async (u, png) => {
    // Atomic but not flushed one by one: a run draws thousands of these, and they are only pictures.
    await writeFileAtomic(join(dir, `${u}.png`), png, { fsync: false });
    written++;
  }, cache);
  return written;
}

export function patchDir(reducerDir: string, net: string): string {
  return join(reducerDir, safeName(net));
}

export { ItemCache, type PatchSource } from './patch-drawing.js';
