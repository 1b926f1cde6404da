// Draws a unit's deconvnet views on the grid of its patches (src/probe/patch-grid.ts, shared with
// the patches' drawing): same tiles, gaps, shrink of large fields and enlargement of small ones,
// so the report can put the views PNG right beneath the patches PNG at the same zoom. Each view is
// normalised on its own, symmetric around zero as the paper's figures are: grey (128) is 0, 255
// the view's largest |value| within the tile's field, 1 its negative (one scale for all channels,
// so colours keep their balance).
import { encode } from 'fast-png';
import { fieldRect } from '../forward/receptive-field.js';
import type { PatchGrid } from '../probe/patch-grid.js';
import { drawFieldTile } from '../probe/patch-grid.js';

/** Draws `view` ((C, H, W) of the input) into tile `slot`: the field around map position (y, x). */
export function drawViewTile(canvas: Uint8Array, grid: PatchGrid, slot: number, view: Float64Array, y: number, x: number): void {
  const [C, H, W] = grid.item;
  const rect = fieldRect(grid.field, y, x, H, W);
  let peak = 0;
  for (let c = 0; c < C; c++) {
    for (let iy = rect.y0; iy < rect.y1; iy++) {
      for (let ix = rect.x0, at = (c * H + iy) * W + ix; ix < rect.x1; ix++, at++) peak = Math.max(peak, Math.abs(view[at]));
    }
  }
  const gain = peak > 0 ? 127 / peak : 0;
  drawFieldTile(canvas, grid, slot, view, y, x, (v) => Math.round(128 + gain * v));
}

export function encodeCanvas(canvas: Uint8Array, grid: PatchGrid): Uint8Array {
  return encode({ width: grid.width, height: grid.height, data: canvas, channels: grid.channels, depth: 8 });
}
