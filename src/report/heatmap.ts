// One heatmap of a correlation matrix: an indexed-colour PNG (a data URL, never one SVG node per
// cell) plus an embedded copy of the values for the hover read-out.
//
// Size limits, so that a report of 4096-unit layers stays a few MB:
// - the image has at most IMAGE_MAX_SIDE pixels a side; bigger matrices are averaged over blocks
//   of ceil(n / IMAGE_MAX_SIDE) units (NaN ignored), and the browser scales it up without smoothing;
// - the hover copy has at most HOVER_MAX_SIDE cells a side, block-averaged the same way, and is
//   quantized to int16 (v * 32767, NaN as -32768; error < 2e-5), base64 little-endian. Up to 256
//   units a side it is the full matrix, and the read-out names the two units; beyond, it names
//   the block of units and gives the block's mean.
// - a panel that only reorders the columns of another (Fig. 1d, B permuted by the matching) embeds
//   no image or values of its own when the other's image has one pixel per column: the page draws
//   it from the other panel (runtime.ts), which halves what Fig. 1 embeds per pair.
import { type ColorMap, levelOf, palette } from './colormap.js';
import { type Matrix, blockSize, downsample, quantizeBase64 } from './matrix.js';
import { encodeIndexedPng, pngDataUrl } from './png.js';

export const IMAGE_MAX_SIDE = 512;
export const HOVER_MAX_SIDE = 256;
/** Largest side of a heatmap's own pixels in an exported PNG figure (block-averaged beyond). */
export const EXPORT_MAX_SIDE = 1024;

/** How a heatmap's rows or columns map to units. */
export interface HeatmapAxis {
  /** Axis title, e.g. "netA units" or "netB units, bipartite order". */
  title: string;
  nets: string[];
  /** Per position: index into `nets`; absent when every position is of nets[0]. */
  net?: number[];
  /** Per position: the unit id; absent for the identity. */
  units?: number[];
  /** Per position: a group (e.g. cluster id), shown in the read-out when present. */
  groups?: number[];
}

/** What is embedded in the page for one heatmap (JSON). */
export interface HeatmapData {
  rows: number;
  cols: number;
  /** Absent when `derived`: the page draws it from the source panel. */
  image?: string;
  imageBlock?: [number, number];
  hover?: { rows: number; cols: number; block: [number, number]; encoding: 'int16-base64'; scale: number; nan: number; data: string };
  /** Column j is column order[j] of panel `from` (same rows). */
  derived?: { from: string; order: number[] };
  rowAxis: HeatmapAxis;
  colAxis: HeatmapAxis;
  domain: [number, number];
}

/** Palette indices of a matrix at export resolution (at most EXPORT_MAX_SIDE a side). */
export interface ExportImage {
  rows: number;
  cols: number;
  indices: Uint8Array;
}

export interface HeatmapPanel {
  id: string;
  title: string;
  caption: string;
  data: HeatmapData;
  /** For `--format png` only (not embedded); the full matrix is not kept, a report may hold hundreds. */
  exportImage?: ExportImage;
}

export function indexImage(m: Matrix): Uint8Array {
  const out = new Uint8Array(m.rows * m.cols);
  for (let k = 0; k < out.length; k++) out[k] = levelOf(m.data[k]);
  return out;
}

export function heatmapPanel(options: {
  id: string;
  title: string;
  caption: string;
  matrix: Matrix;
  rowAxis: HeatmapAxis;
  colAxis: HeatmapAxis;
  colorMap: ColorMap;
  /** Keep an export-resolution image for PNG figures. */
  keepExport?: boolean;
  /** The matrix is panel `from`'s with columns reordered: embed only the order when the page can draw it exactly. */
  columnsOf?: { from: HeatmapPanel; order: number[] };
}): HeatmapPanel {
  const m = options.matrix;
  const source = options.columnsOf;
  if (source && source.from.data.imageBlock?.[1] === 1 && source.from.data.rows === m.rows) {
    return {
      id: options.id,
      title: options.title,
      caption: options.caption,
      ...(options.keepExport ? { exportImage: exportImageOf(m) } : {}),
      data: { rows: m.rows, cols: m.cols, derived: { from: source.from.id, order: source.order }, rowAxis: options.rowAxis, colAxis: options.colAxis, domain: [-1, 1] },
    };
  }
  const ib: [number, number] = [blockSize(m.rows, IMAGE_MAX_SIDE), blockSize(m.cols, IMAGE_MAX_SIDE)];
  const small = downsample(m, ib[0], ib[1]);
  const image = pngDataUrl(encodeIndexedPng(small.cols, small.rows, indexImage(small), palette(options.colorMap)));
  const hb: [number, number] = [blockSize(m.rows, HOVER_MAX_SIDE), blockSize(m.cols, HOVER_MAX_SIDE)];
  const hover = downsample(m, hb[0], hb[1]);
  const exportImage = options.keepExport ? exportImageOf(m) : undefined;
  return {
    id: options.id,
    title: options.title,
    caption: options.caption,
    ...(exportImage ? { exportImage } : {}),
    data: {
      rows: m.rows,
      cols: m.cols,
      image,
      imageBlock: ib,
      hover: { rows: hover.rows, cols: hover.cols, block: hb, encoding: 'int16-base64', scale: 32767, nan: -32768, data: quantizeBase64(hover) },
      rowAxis: options.rowAxis,
      colAxis: options.colAxis,
      domain: [-1, 1],
    },
  };
}

function exportImageOf(m: Matrix): ExportImage {
  const e = downsample(m, blockSize(m.rows, EXPORT_MAX_SIDE), blockSize(m.cols, EXPORT_MAX_SIDE));
  return { rows: e.rows, cols: e.cols, indices: indexImage(e) };
}

/** A vertical colour bar image (top = +1), for the page. */
export function colorBarImage(map: ColorMap, height = 256): string {
  const idx = new Uint8Array(height);
  for (let y = 0; y < height; y++) idx[y] = levelOf(1 - (2 * y) / (height - 1));
  return pngDataUrl(encodeIndexedPng(1, height, idx, palette(map)));
}
