// Draws each unit's top-k image patches (its receptive field around the strongest response in
// each of its k best images) as one PNG, RUN/reducers/topk/<layer>/<net>/<unit>.png, which the
// report's Fig. 2 shows next to each matched unit. Patches are tiled in a square grid, each
// scaled up (nearest neighbour) to a readable size and normalised by its image's range.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fieldRect, type ReceptiveField } from '../forward/receptive-field.js';
import type { TopKRecord } from '../reducers/topk.js';
import { encodeRgbaPng } from '../report/png.js';
import { safeName } from './layout.js';

export interface PatchSource {
  /** Item shape (C, H, W) and one preprocessed item. */
  itemShape: [number, number, number];
  readItem(index: number): Promise<Float32Array>;
}

/** Bounded cache of decoded items: the same image is often among the top-k of many units. */
class ItemCache {
  private readonly items = new Map<number, Promise<Float32Array>>();
  constructor(
    private readonly source: PatchSource,
    private readonly capacity = 512,
  ) {}
  get(index: number): Promise<Float32Array> {
    let item = this.items.get(index);
    if (item) {
      this.items.delete(index);
    } else {
      item = this.source.readItem(index);
      if (this.items.size >= this.capacity) this.items.delete(this.items.keys().next().value!);
    }
    this.items.set(index, item); // most recent last
    return item;
  }
}

/** Writes one PNG per unit into `dir`; returns the number written. */
export async function writeUnitPatches(
  dir: string,
  record: TopKRecord,
  k: number,
  field: ReceptiveField,
  source: PatchSource,
  cache = new ItemCache(source),
): Promise<number> {
  await mkdir(dir, { recursive: true });
  const [channels, height, width] = source.itemShape;
  const units = record.items.length / k;
  // Every tile the same size: the full field (clipped to the image), scaled to at least 32 px.
  const tileH = Math.min(height, field.spatial ? field.y.size : height);
  const tileW = Math.min(width, field.spatial ? field.x.size : width);
  const scale = Math.max(1, Math.ceil(32 / Math.max(tileH, tileW)));
  const cols = Math.ceil(Math.sqrt(k));
  const rows = Math.ceil(k / cols);
  const gap = 2;
  const W = cols * tileW * scale + (cols - 1) * gap;
  const H = rows * tileH * scale + (rows - 1) * gap;
  let written = 0;
  for (let u = 0; u < units; u++) {
    const rgba = new Uint8Array(W * H * 4).fill(255);
    for (let j = 0; j < k; j++) {
      const item = record.items[u * k + j];
      if (item < 0) continue;
      const data = await cache.get(item);
      const rect = fieldRect(field, record.ys[u * k + j], record.xs[u * k + j], height, width);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
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
          const o = ((oy + ty) * W + ox + tx) * 4;
          if (y < rect.y0 || y >= rect.y1 || x < rect.x0 || x >= rect.x1) {
            rgba[o] = rgba[o + 1] = rgba[o + 2] = 128;
            rgba[o + 3] = 255;
            continue;
          }
          for (let c = 0; c < 3; c++) {
            const v = data[(channels === 1 ? 0 : Math.min(c, channels - 1)) * height * width + y * width + x];
            rgba[o + c] = Math.round(((v - lo) / range) * 255);
          }
          rgba[o + 3] = 255;
        }
      }
    }
    await writeFile(join(dir, `${u}.png`), encodeRgbaPng(W, H, rgba));
    written++;
  }
  return written;
}

export function patchDir(reducerDir: string, net: string): string {
  return join(reducerDir, safeName(net));
}

export { ItemCache };
