// The picture of a unit's top-k patches: k tiles in a square grid with 2 px white gaps, each tile
// the unit's receptive field (clipped to the image) around the recorded position. The report shows
// a picture at about PATCH_WIDTH (150) CSS px (src/report/section-fig2.ts), so a tile is drawn at
// most MAX_TILE_SIDE px a side: a larger field is shrunk by an integer factor, each tile pixel the
// area average of its shrink x shrink block of the image (pixels outside the image left out; a block
// wholly outside is mid grey). A conv5 field of AlexNet (163 px) becomes 41 px, an fc field (the
// whole 227 px image) 46 px: 16 to 25 times fewer pixels to draw, encode and store than at full
// size, and no more than the report shows. Tiny fields are enlarged to MIN_TILE_SIDE px instead.
//
// Shared by the patches (./patch-drawing.ts) and by any picture meant to lie on the same grid (the
// deconvnet views beneath them): drawFieldTile takes the value-to-byte map as an argument.
import type { ReceptiveField } from '../forward/receptive-field.js';
import { fieldRect } from '../forward/receptive-field.js';

/** Largest tile side drawn, in pixels: three tiles and two gaps come to the report's 150 px (PATCH_WIDTH). */
export const MAX_TILE_SIDE = 48;
/** Smallest tile side: fields below it are enlarged (pixelated) by an integer scale. */
export const MIN_TILE_SIDE = 12;
const GAP = 2;

export interface PatchGrid {
  k: number;
  /** Item (C, H, W). */
  item: readonly [number, number, number];
  field: ReceptiveField;
  /** Tile size in image pixels after the shrink (before the scale). */
  tileH: number;
  tileW: number;
  /** Image pixels per tile pixel along each side (1: none). */
  shrink: number;
  /** Canvas pixels per tile pixel along each side (1: none); at most one of shrink and scale exceeds 1. */
  scale: number;
  cols: number;
  /** PNG size and channels (1 grey, 3 RGB). */
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The grid of k tiles of `field` over items of `item`. */
export function patchGrid(k: number, field: ReceptiveField, item: readonly [number, number, number]): PatchGrid {
  const [C, H, W] = item;
  const fieldH = Math.min(H, field.spatial ? field.y.size : H);
  const fieldW = Math.min(W, field.spatial ? field.x.size : W);
  const side = Math.max(fieldH, fieldW);
  const shrink = side > MAX_TILE_SIDE ? Math.ceil(side / MAX_TILE_SIDE) : 1;
  const tileH = Math.ceil(fieldH / shrink);
  const tileW = Math.ceil(fieldW / shrink);
  const scale = Math.max(1, Math.ceil(MIN_TILE_SIDE / Math.max(tileH, tileW)));
  const cols = Math.ceil(Math.sqrt(k));
  const rows = Math.ceil(k / cols);
  return {
    k,
    item,
    field,
    tileH,
    tileW,
    shrink,
    scale,
    cols,
    width: cols * tileW * scale + (cols - 1) * GAP,
    height: rows * tileH * scale + (rows - 1) * GAP,
    channels: C === 1 ? 1 : 3,
  };
}

/** A white canvas for one unit's picture (empty slots stay white). */
export function blankPatchCanvas(grid: PatchGrid): Uint8Array {
  return new Uint8Array(grid.width * grid.height * grid.channels).fill(255);
}

/**
 * Per channel of a (C, H, W) image, its summed-area table ((H + 1) x (W + 1) float64, zero first
 * row and column): any block's sum in four reads, so a shrunk tile costs its own pixels, not its
 * field's. Sums of float32 values in float64, exact for image data (the same sums as added directly).
 */
export function summedArea(image: ArrayLike<number>, item: readonly [number, number, number]): Float64Array {
  const [C, H, W] = item;
  const stride = W + 1;
  const table = new Float64Array(C * (H + 1) * stride);
  for (let c = 0; c < C; c++) {
    const base = c * (H + 1) * stride;
    for (let iy = 0; iy < H; iy++) {
      let row = 0;
      const src = (c * H + iy) * W;
      const above = base + iy * stride;
      const here = above + stride;
      for (let ix = 0; ix < W; ix++) {
        row += image[src + ix];
        table[here + ix + 1] = table[above + ix + 1] + row;
      }
    }
  }
  return table;
}

/**
 * The value-to-byte map of a tile: byte = round(((v - sub) / div) * mul + add), in 0..255. Patches
 * map their image's range [lo, hi] to [0, 255] (sub lo, div hi - lo, mul 255, add 0); a picture
 * centred on zero (the deconvnet views) uses sub 0, div 1, mul gain, add 128.
 */
export interface Tone {
  sub: number;
  div: number;
  mul: number;
  add: number;
}

/**
 * Draws tile `slot` of `canvas`: the field around map position (y, x) of `image` ((C, H, W)), each
 * tile pixel the `tone` (or a function of it) of the mean of its block; mid grey outside the image. With `table`
 * (summedArea(image)) a shrunk block's sum takes four reads; without, it is added up. Unshrunk
 * tiles read the image's own values.
 */
export function drawFieldTile(canvas: Uint8Array, grid: PatchGrid, slot: number, image: ArrayLike<number>, y: number, x: number, tone: Tone | ((value: number) => number), table?: Float64Array): void {
  const { field, shrink, scale, tileH, tileW, channels: out, width } = grid;
  const [C, H, W] = grid.item;
  const toByte = typeof tone === 'function' ? tone : undefined;
  const { sub, div, mul, add } = typeof tone === 'function' ? { sub: 0, div: 1, mul: 1, add: 0 } : tone;
  const rect = fieldRect(field, y, x, H, W);
  const left = (slot % grid.cols) * (tileW * scale + GAP);
  const top = Math.floor(slot / grid.cols) * (tileH * scale + GAP);
  // Where the field starts in image coordinates (it may start outside the image: grey there).
  const fy0 = field.spatial ? field.y.start + y * field.y.jump : 0;
  const fx0 = field.spatial ? field.x.start + x * field.x.jump : 0;
  // Each tile column's block of image columns [xa, xb) (empty when outside the image).
  const xas = new Int32Array(tileW);
  const xbs = new Int32Array(tileW);
  for (let tx = 0; tx < tileW; tx++) {
    xas[tx] = Math.max(rect.x0, fx0 + tx * shrink);
    xbs[tx] = Math.min(rect.x1, fx0 + (tx + 1) * shrink);
  }
  const stride = W + 1;
  for (let c = 0; c < out; c++) {
    const channel = Math.min(c, C - 1);
    const plane = channel * H * W;
    const t = channel * (H + 1) * stride;
    for (let ty = 0; ty < tileH; ty++) {
      const ya = Math.max(rect.y0, fy0 + ty * shrink);
      const yb = Math.min(rect.y1, fy0 + (ty + 1) * shrink);
      const row = (top + ty * scale) * width + left;
      for (let tx = 0; tx < tileW; tx++) {
        const xa = xas[tx];
        const xb = xbs[tx];
        let byte = 128;
        if (yb > ya && xb > xa) {
          const count = (yb - ya) * (xb - xa);
          let value: number;
          if (count === 1) value = image[plane + ya * W + xa];
          else if (table) value = (table[t + yb * stride + xb] - table[t + ya * stride + xb] - (table[t + yb * stride + xa] - table[t + ya * stride + xa])) / count;
          else {
            let sum = 0;
            for (let iy = ya; iy < yb; iy++) for (let at = plane + iy * W + xa, end = at + xb - xa; at < end; at++) sum += image[at];
            value = sum / count;
          }
          byte = toByte ? toByte(value) : Math.round(((value - sub) / div) * mul + add);
        }
        if (scale === 1) canvas[(row + tx) * out + c] = byte;
        else {
          for (let sy = 0; sy < scale; sy++) {
            let o = (row + sy * width + tx * scale) * out + c;
            for (let sx = 0; sx < scale; sx++, o += out) canvas[o] = byte;
          }
        }
      }
    }
  }
}
