// PNG encoding (pure JS, fast-png): indexed-colour images for heatmaps (one byte a pixel, so a
// 512 x 512 matrix costs about as much as its values), RGBA for anything else, and data URLs.
import { encode } from 'fast-png';
import { base64 } from './base64.js';

/** An indexed-colour PNG: `indices` (row-major, width x height) into `palette` ([r, g, b] rows, at most 256). */
export function encodeIndexedPng(width: number, height: number, indices: Uint8Array, palette: number[][]): Uint8Array {
  if (indices.length !== width * height) throw new Error(`encodeIndexedPng: ${indices.length} indices for ${width} x ${height}`);
  if (palette.length > 256) throw new Error(`encodeIndexedPng: palette of ${palette.length} colours (at most 256)`);
  return encode({ width, height, data: indices, channels: 1, depth: 8, palette });
}

/** An RGBA PNG, 8 bits a channel. */
export function encodeRgbaPng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodeRgbaPng: ${rgba.length} bytes for ${width} x ${height} RGBA`);
  return encode({ width, height, data: rgba, channels: 4, depth: 8 });
}

/** Enlarges an index image by whole factors (nearest neighbour), for exported figures that must stay sharp. */
export function upscaleIndices(width: number, height: number, indices: Uint8Array, fx: number, fy: number): Uint8Array {
  const w = width * fx;
  const out = new Uint8Array(w * height * fy);
  for (let y = 0; y < height * fy; y++) {
    const src = Math.floor(y / fy) * width;
    const row = y * w;
    for (let x = 0; x < w; x++) out[row + x] = indices[src + Math.floor(x / fx)];
  }
  return out;
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${base64(png)}`;
}
