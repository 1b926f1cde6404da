// The patches' grid (src/probe/patch-grid.ts): a field wider than MAX_TILE_SIDE is shrunk by the
// smallest whole factor that fits, each tile pixel the mean of its block of the image (pixels
// outside the image left out, a block wholly outside mid grey), with or without the summed-area
// table; the unit's PNG (src/probe/patch-drawing.ts) is the grid's size, whatever the field.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { ReceptiveField } from '../../src/forward/receptive-field.js';
import { drawUnitPatches } from '../../src/probe/patch-drawing.js';
import { blankPatchCanvas, drawFieldTile, MAX_TILE_SIDE, MIN_TILE_SIDE, patchGrid, summedArea } from '../../src/probe/patch-grid.js';
import type { TopKRecord } from '../../src/probe/reducers/topk.js';

const field = (size: number, jump: number, start: number): ReceptiveField => ({ spatial: true, y: { size, jump, start }, x: { size, jump, start } });

describe('patchGrid', () => {
  it('shrinks a field wider than MAX_TILE_SIDE by the smallest whole factor that fits, and enlarges tiny ones', () => {
    // AlexNet's fields at 227 x 227: conv1 11, conv2 51, conv3 99, conv4 131, conv5 163 px; fc the whole image.
    const fields = [field(11, 4, 0), field(51, 8, -16), field(99, 16, -32), field(131, 16, -48), field(163, 16, -64), { spatial: false, y: field(1, 1, 0).y, x: field(1, 1, 0).x }];
    for (const f of fields) {
      const grid = patchGrid(9, f, [3, 227, 227]);
      const side = Math.min(227, f.spatial ? f.y.size : 227);
      expect(Math.max(grid.tileH, grid.tileW)).toBeLessThanOrEqual(MAX_TILE_SIDE);
      expect(grid.tileH).toBe(Math.ceil(side / grid.shrink));
      if (grid.shrink > 1) expect(Math.ceil(side / (grid.shrink - 1))).toBeGreaterThan(MAX_TILE_SIDE); // the smallest factor
      expect(grid.tileH * grid.scale).toBeGreaterThanOrEqual(MIN_TILE_SIDE);
      expect(grid.shrink === 1 || grid.scale === 1).toBe(true);
      expect([grid.width, grid.height]).toEqual([3 * grid.tileW * grid.scale + 4, 3 * grid.tileH * grid.scale + 4]);
    }
  });
});

describe('drawFieldTile', () => {
  // A 3 x 100 x 100 image whose value is (y + x) / 2 + 20 c: a block's mean is known in closed form.
  const [C, H, W] = [3, 100, 100];
  const image = Float32Array.from({ length: C * H * W }, (_, i) => (Math.floor((i % (H * W)) / W) + (i % W)) / 2 + 20 * Math.floor(i / (H * W)));
  const mean = (a: number, b: number) => (a + b - 1) / 2; // of the integers a..b-1
  const identity = { sub: 0, div: 1, mul: 1, add: 0 };

  it('draws each tile pixel as the mean of its block (partial blocks at the border included), with and without the summed-area table', () => {
    // A 70 px field (shrink 2, 35 px tiles) at map position (3, 1): jump 20, start -30, so its rows
    // start at y = 30 and its columns at x = -10, 10 px left of the image (grey there).
    const f = field(70, 20, -30);
    const grid = patchGrid(4, f, [C, H, W]);
    expect([grid.shrink, grid.tileH, grid.scale, grid.cols]).toEqual([2, 35, 1, 2]);
    const withTable = blankPatchCanvas(grid);
    const direct = blankPatchCanvas(grid);
    drawFieldTile(withTable, grid, 3, image, 3, 1, identity, summedArea(image, [C, H, W]));
    drawFieldTile(direct, grid, 3, image, 3, 1, identity);
    expect(Buffer.from(withTable).equals(Buffer.from(direct))).toBe(true);
    const [left, top] = [grid.tileW + 2, grid.tileH + 2]; // slot 3: second row, second column
    for (let ty = 0; ty < grid.tileH; ty++) {
      for (let tx = 0; tx < grid.tileW; tx++) {
        const [ya, yb] = [30 + 2 * ty, Math.min(H, 30 + 2 * ty + 2)];
        const [xa, xb] = [Math.max(0, -10 + 2 * tx), Math.min(W, -10 + 2 * tx + 2)];
        for (let c = 0; c < C; c++) {
          const want = xb <= xa ? 128 : Math.round((mean(ya, yb) + mean(xa, xb)) / 2 + 20 * c);
          expect(withTable[((top + ty) * grid.width + left + tx) * 3 + c], `tile pixel (${ty}, ${tx}), channel ${c}`).toBe(want);
        }
      }
    }
  });

  it("draws an unshrunk field's own values", () => {
    const f = field(30, 7, 0);
    const grid = patchGrid(1, f, [C, H, W]);
    expect([grid.shrink, grid.scale]).toEqual([1, 1]);
    const canvas = blankPatchCanvas(grid);
    drawFieldTile(canvas, grid, 0, image, 2, 5, identity);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) expect(canvas[(y * grid.width + x) * 3 + 1]).toBe(Math.round(image[H * W + (14 + y) * W + 35 + x]));
  });
});

describe('drawUnitPatches', () => {
  it("writes each unit's picture at the grid's size: a 163 px field of a 227 x 227 image as 41 px tiles", async () => {
    const k = 4;
    const f = field(163, 16, -64);
    const record: TopKRecord = {
      values: Float32Array.of(3, 2, 1, -Infinity),
      items: Int32Array.of(0, 1, 0, -1),
      ys: Int32Array.of(0, 5, 12, -1),
      xs: Int32Array.of(12, 5, 0, -1),
      activeItems: Int32Array.of(3),
      itemsSeen: 2,
    };
    const items = [0, 1].map((s) => Float32Array.from({ length: 3 * 227 * 227 }, (_, i) => Math.sin(i * (s + 1) * 0.001)));
    const source = { itemShape: [3, 227, 227] as [number, number, number], readItem: async (i: number) => items[i] };
    const pngs: Uint8Array[] = [];
    await drawUnitPatches(record, k, f, source, (_, png) => void pngs.push(png));
    const grid = patchGrid(k, f, [3, 227, 227]);
    expect(grid.tileW).toBe(41);
    const png = decode(pngs[0]);
    expect([png.width, png.height, png.channels]).toEqual([grid.width, grid.height, 3]);
    // The empty fourth slot stays white.
    const [left, top] = [grid.tileW + 2, grid.tileH + 2];
    for (let y = 0; y < grid.tileH; y++) for (let x = 0; x < grid.tileW; x++) expect(png.data[((top + y) * grid.width + left + x) * 3]).toBe(255);
  });
});
