// Draws each unit's top-k image patches (its receptive field around the strongest response in
// each of its k best images) as one PNG: tiled in a square grid at their own resolution (the
// report scales them up with pixelated rendering; only tiny fields are enlarged here), normalised
// by their image's range, grey or RGB as the data is. Pure (the PNG bytes are handed back): the
// CLI's probe writes them to RUN/reducers/topk/<layer>/<net>/<unit>.png (src/probe/patches.ts),
// the web page's study into the run it holds in memory.
import { encode } from 'fast-png';
import { fieldRect, type ReceptiveField } from '../forward/receptive-field.js';
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
}

/** Bounded cache of decoded items: the same image is often among the top-k of many units. */
class ItemCache {
  private readonly items = new Map<number, Promise<CachedItem>>();
  constructor(
    private readonly source: PatchSource,
    private readonly capacity = 512,
  ) {}
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
  const [channels, height, width] = source.itemShape;
  const units = record.items.length / k;
  // Every tile the same size: the full field (clipped to the image), at least 12 px a side.
  const tileH = Math.min(height, field.spatial ? field.y.size : height);
  const tileW = Math.min(width, field.spatial ? field.x.size : width);
  const scale = Math.max(1, Math.ceil(12 / Math.max(tileH, tileW)));
  const out = channels === 1 ? 1 : 3;
  const cols = Math.ceil(Math.sqrt(k));
  const rows = Math.ceil(k / cols);
  const gap = 2;
  const W = cols * tileW * scale + (cols - 1) * gap;
  const H = rows * tileH * scale + (rows - 1) * gap;
  for (let u = 0; u < units; u++) {
    const pixels = new Uint8Array(W * H * out).fill(255);
    for (let j = 0; j < k; j++) {
      const item = record.items[u * k + j];
      if (item < 0) continue;
      const { data, lo, hi } = await cache.get(item);
      const rect = fieldRect(field, record.ys[u * k + j], record.xs[u * k + j], height, width);
      const range = hi > lo ? hi - lo : 1;
      const ox = (j % cols) * (tileW * scale + gap);
      const oy = Math.floor(j / cols) * (tileH * scale + gap);
      // A field clipped by the image border is drawn where it lies within the tile (grey margin).
      const fy0 = field.spatial ? field.y.start + record.ys[u * k + j] * field.y.jump : 0;
      const fx0 = field.spatial ? field.x.start + record.xs[u * k + j] * field.x.jump : 0;
      for (let ty = 0; ty < tileH * scale; ty++) {
        for (let tx = 0; tx < tileW * scale; tx++) {
          const y = fy0 + Math.floor(ty / scale);
          const x = fx0 + Math.floor(tx / scale);
          const o = ((oy + ty) * W + ox + tx) * out;
          const outside = y < rect.y0 || y >= rect.y1 || x < rect.x0 || x >= rect.x1;
          for (let c = 0; c < out; c++) {
            // Outside the image (a field clipped by the border): mid grey.
            pixels[o + c] = outside ? 128 : Math.round(((data[Math.min(c, channels - 1) * height * width + y * width + x] - lo) / range) * 255);
          }
        }
      }
    }
    await onUnit(u, encode({ width: W, height: H, data: pixels, channels: out, depth: 8 }));
  }
}

export { ItemCache };
