// Draws each unit's top-k image patches (its receptive field around the strongest response in
// each of its k best images) as one PNG: tiled in a square grid (./patch-grid.ts: large fields
// shrunk by area averaging to what the report shows, tiny ones enlarged), normalised by their
// image's range, grey or RGB as the data is. Pure (the PNG bytes are handed back): the
// CLI's probe writes them to RUN/reducers/topk/<layer>/<net>/<unit>.png (src/probe/patches.ts),
// the web page's study into the run it holds in memory.
import { encode } from 'fast-png';
import type { ReceptiveField } from '../forward/receptive-field.js';
import { blankPatchCanvas, drawFieldTile, patchGrid, summedArea, type PatchGrid } from './patch-grid.js';
import type { TopKRecord } from './reducers/topk.js';

export interface PatchSource {
  /** Item shape (C, H, W) and one preprocessed item. */
  itemShape: [number, number, number];
  readItem(index: number): Promise<Float32Array>;
}

interface CachedItem {
  data: Float32Array;
  /** The item's value range, for normalising its patches. */
  lo: number;
  hi: number;
  /** Its summed-area table (./patch-grid.ts), made when a shrunk tile first needs it. */
  table?: Float64Array;
}

/** Bytes the cache of decoded items may hold (items and their summed-area tables). */
const ITEM_CACHE_BYTES = 384 * 2 ** 20;

/** Bounded cache of decoded items: the same image is often among the top-k of many units. */
class ItemCache {
  private readonly items = new Map<number, Promise<CachedItem>>();
  private readonly capacity: number;
  constructor(
    private readonly source: PatchSource,
    capacity?: number,
  ) {
    // An item's float32 values and, for shrunk tiles, its float64 summed-area table.
    const [C, H, W] = source.itemShape;
    const bytes = C * H * W * 4 + C * (H + 1) * (W + 1) * 8;
    this.capacity = capacity ?? Math.min(4096, Math.max(16, Math.floor(ITEM_CACHE_BYTES / bytes)));
  }
  get(index: number): Promise<CachedItem> {
    let item = this.items.get(index);
    if (item) {
      this.items.delete(index);
    } else {
      item = this.source.readItem(index).then((data) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of data) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        return { data, lo, hi };
      });
      if (this.items.size >= this.capacity) this.items.delete(this.items.keys().next().value!);
    }
    this.items.set(index, item); // most recent last
    return item;
  }
}

/** Each unit's patches as a PNG, handed to `onUnit` in unit order. */
export async function drawUnitPatches(
  record: TopKRecord,
  k: number,
  field: ReceptiveField,
  source: PatchSource,
  onUnit: (unit: number, png: Uint8Array) => Promise<void> | void,
  cache = new ItemCache(source),
): Promise<void> {
  const grid = patchGrid(k, field, source.itemShape);
  const units = record.items.length / k;
  for (let u = 0; u < units; u++) {
    const pixels = blankPatchCanvas(grid);
    for (let j = 0; j < k; j++) {
      const item = record.items[u * k + j];
      if (item < 0) continue;
      const cached = await cache.get(item);
      const { data, lo, hi } = cached;
      if (grid.shrink > 1) cached.table ??= summedArea(data, grid.item);
      const range = hi > lo ? hi - lo : 1;
      drawFieldTile(pixels, grid, j, data, record.ys[u * k + j], record.xs[u * k + j], { sub: lo, div: range, mul: 255, add: 0 }, cached.table);
    }
    await onUnit(u, encodePatchCanvas(pixels, grid));
  }
}

/**
 * The PNG of a drawn canvas. Deflate level 1: these are small photographs, which the higher levels
 * shrink by a few per cent at several times the time (fast-png's default is 3).
 */
export function encodePatchCanvas(pixels: Uint8Array, grid: PatchGrid): Uint8Array {
  return encode({ width: grid.width, height: grid.height, data: pixels, channels: grid.channels, depth: 8 }, { zlib: { level: 1 } });
}

export { ItemCache };
