// The views' tiles (src/views/view-tiles.ts) on the patches' grid (src/probe/patch-grid.ts): the
// same PNG size as drawUnitPatches for the same k, field and items; each view scaled
// symmetrically about zero on its own (grey 128 = 0, 255 = its largest |value| in the field), the
// field's part outside the image grey, gaps and empty slots white; a large field shrunk by block means.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { ReceptiveField } from '../../src/forward/receptive-field.js';
import { drawUnitPatches } from '../../src/probe/patch-drawing.js';
import { blankPatchCanvas, patchGrid } from '../../src/probe/patch-grid.js';
import { drawViewTile, encodeCanvas } from '../../src/views/view-tiles.js';

// A 5 x 5 field, jump 2, starting 2 px before the image: position (0, 0) sticks out by 2 px.
const field: ReceptiveField = { spatial: true, y: { jump: 2, size: 5, start: -2 }, x: { jump: 2, size: 5, start: -2 } };
const item = [3, 9, 11] as const;

describe('deconvnet view tiles', () => {
  for (const [name, f, shape] of [
    ['a small field', field, item],
    ['a whole 3 x 131 x 137 image (shrunk)', { spatial: false, y: { jump: 1, size: 1, start: 0 }, x: { jump: 1, size: 1, start: 0 } }, [3, 131, 137]],
  ] as const) {
    it(`use the patches' grid for ${name}: same PNG size and channels, k = 5`, async () => {
      const k = 5;
      const size = shape[0] * shape[1] * shape[2];
      const record = { values: new Float32Array(k).fill(1), items: new Int32Array(k).fill(0), ys: new Int32Array(k), xs: new Int32Array(k), activeItems: new Int32Array(1), itemsSeen: 1 };
      let patches: Uint8Array | undefined;
      await drawUnitPatches(record, k, f, { itemShape: [...shape], readItem: async () => new Float32Array(size) }, (_u, png) => void (patches = png));
      const grid = patchGrid(k, f, shape);
      const canvas = blankPatchCanvas(grid);
      for (let j = 0; j < k; j++) drawViewTile(canvas, grid, j, new Float64Array(size), 0, 0);
      const views = decode(encodeCanvas(canvas, grid));
      const p = decode(patches!);
      expect([views.width, views.height, views.channels]).toEqual([p.width, p.height, p.channels]);
    });
  }

  it('scale each view symmetrically about zero; outside the image grey; gaps and empty slots white', () => {
    const grid = patchGrid(4, field, item); // 2 x 2 tiles of 5 x 5, scale 3 (at least 12 px a side), gap 2
    expect([grid.tileH, grid.tileW, grid.scale, grid.cols, grid.width, grid.height]).toEqual([5, 5, 3, 2, 32, 32]);
    const canvas = blankPatchCanvas(grid);
    const view = new Float64Array(3 * 9 * 11);
    const at = (c: number, y: number, x: number) => (c * 9 + y) * 11 + x;
    view[at(0, 3, 4)] = 2; // the largest |value|: white
    view[at(2, 3, 5)] = -1; // half of it, negative: 128 - 63.5
    view[at(1, 8, 10)] = 50; // outside slot 1's field: does not set the scale
    // Slot 1 (top right) at position (2, 2): the field covers image rows and columns 2..6.
    drawViewTile(canvas, grid, 1, view, 2, 2);
    const pixel = (slot: number, ty: number, tx: number, c: number) => canvas[((Math.floor(slot / 2) * 17 + ty) * 32 + (slot % 2) * 17 + tx) * 3 + c];
    // Image (3, 4) is tile (1, 2) of the field, pixels 3..5 at scale 3.
    expect(pixel(1, 3, 6, 0)).toBe(255);
    expect(pixel(1, 5, 8, 0)).toBe(255);
    expect(pixel(1, 3, 6, 1)).toBe(128);
    expect(pixel(1, 3, 9, 2)).toBe(Math.round(128 - 63.5));
    expect(pixel(1, 0, 0, 0)).toBe(128); // zero
    // Gap between the tiles, and the empty slots 0, 2 and 3: white.
    expect(canvas[(0 * 32 + 15) * 3]).toBe(255);
    expect(pixel(0, 4, 4, 0)).toBe(255);
    expect(pixel(3, 4, 4, 0)).toBe(255);

    // Slot 2 at position (0, 0): the field starts 2 px above and left of the image: grey there.
    view.fill(0);
    view[at(0, 0, 0)] = -3;
    drawViewTile(canvas, grid, 2, view, 0, 0);
    expect(pixel(2, 0, 0, 0)).toBe(128); // outside the image
    expect(pixel(2, 5, 5, 0)).toBe(128);
    expect(pixel(2, 6, 6, 0)).toBe(1); // image (0, 0): -max -> 128 - 127
  });

  it('a shrunk field shows each block\'s mean on the same scale', () => {
    const whole: ReceptiveField = { spatial: false, y: { jump: 1, size: 1, start: 0 }, x: { jump: 1, size: 1, start: 0 } };
    const grid = patchGrid(1, whole, [1, 130, 130]); // 130 px > 64: shrink 3, tiles of 44 x 44
    expect([grid.shrink, grid.tileH, grid.channels]).toEqual([3, 44, 1]);
    const view = new Float64Array(130 * 130);
    view[0] = 9; // block (0, 0): mean 1
    view[3] = -9; // block (0, 1): mean -1
    const canvas = blankPatchCanvas(grid);
    drawViewTile(canvas, grid, 0, view, 0, 0);
    expect([canvas[0], canvas[1], canvas[2]]).toEqual([Math.round(128 + 127 / 9), Math.round(128 - 127 / 9), 128]);
  });
});
