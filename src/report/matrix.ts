// Matrices for heatmaps: row-major Float64 with NaN for undefined entries (dead units), block-mean
// downsampling for big ones, int16 quantization for embedding, and the column order that the
// bipartite matching gives (the paper's Fig. 1d).
import { base64, fromBase64 } from './base64.js';

export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, rows x cols; NaN where undefined. */
  data: Float64Array;
}

/** Wraps row-major values (a Float64Array is used as it is, not copied). */
export function matrix(rows: number, cols: number, data: ArrayLike<number>): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix: ${data.length} values for ${rows} x ${cols}`);
  return { rows, cols, data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

/** Block size that brings n down to at most `max` (1 when it already fits). */
export function blockSize(n: number, max: number): number {
  return Math.max(1, Math.ceil(n / max));
}

/**
 * Averages `br x bc` blocks (the last ones may be smaller), ignoring NaN; a block with no defined
 * entry stays NaN. Block sizes of 1 return the matrix itself.
 */
export function downsample(m: Matrix, br: number, bc: number): Matrix {
  if (br === 1 && bc === 1) return m;
  const rows = Math.ceil(m.rows / br);
  const cols = Math.ceil(m.cols / bc);
  const sum = new Float64Array(rows * cols);
  const count = new Float64Array(rows * cols);
  for (let i = 0; i < m.rows; i++) {
    const oi = Math.floor(i / br) * cols;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (Number.isNaN(v)) continue;
      const o = oi + Math.floor(j / bc);
      sum[o] += v;
      count[o] += 1;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k] = count[k] > 0 ? sum[k] / count[k] : Number.NaN;
  return { rows, cols, data: sum };
}

/** Picks columns (and rows) of a matrix in the given orders: out[i][j] = m[rowOrder[i]][colOrder[j]]. */
export function permute(m: Matrix, rowOrder: number[] | null, colOrder: number[] | null): Matrix {
  const rows = rowOrder ? rowOrder.length : m.rows;
  const cols = colOrder ? colOrder.length : m.cols;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const src = (rowOrder ? rowOrder[i] : i) * m.cols;
    for (let j = 0; j < cols; j++) data[i * cols + j] = m.data[src + (colOrder ? colOrder[j] : j)];
  }
  return { rows, cols, data };
}

/** int16 quantization used for embedded values: v -> round(v * QUANT_SCALE), NaN -> QUANT_NAN. */
export const QUANT_SCALE = 32767;
export const QUANT_NAN = -32768;

/** Quantizes to little-endian int16 and returns base64 (values outside [-1, 1] are clamped). */
export function quantizeBase64(m: Matrix): string {
  const q = new Int16Array(m.data.length);
  for (let k = 0; k < q.length; k++) {
    const v = m.data[k];
    q[k] = Number.isNaN(v) ? QUANT_NAN : Math.round(Math.max(-1, Math.min(1, v)) * QUANT_SCALE);
  }
  // Little-endian int16, explicitly (a DataView, not the platform's order); no Buffer: the report is also rendered in the browser.
  const bytes = new Uint8Array(q.length * 2);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < q.length; k++) view.setInt16(2 * k, q[k], true);
  return base64(bytes);
}

/** The inverse of quantizeBase64 (tests and exports read embedded data back with it). */
export function dequantizeBase64(b64: string): Float64Array {
  const bytes = fromBase64(b64);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.length / 2);
  for (let k = 0; k < out.length; k++) {
    const q = view.getInt16(2 * k, true);
    out[k] = q === QUANT_NAN ? Number.NaN : q / QUANT_SCALE;
  }
  return out;
}

/**
 * The order of net B's units that puts each bipartite partner of A's unit i in column i, so matched
 * pairs lie on the diagonal. `partner[i]` is A's unit i's partner in B, or null (dead or unmatched).
 * B's units left over (dead, unmatched, or partners of A units beyond B's size) fill the free
 * columns: first partners in A's order, then the rest in increasing unit id.
 */
export function matchedColumnOrder(unitsB: number, partner: (number | null)[]): number[] {
  const slots = new Array<number>(unitsB).fill(-1);
  const used = new Uint8Array(unitsB);
  const late: number[] = [];
  partner.forEach((b, i) => {
    if (b === null || b < 0 || b >= unitsB || used[b]) return;
    used[b] = 1;
    if (i < unitsB) slots[i] = b;
    else late.push(b);
  });
  const rest: number[] = [...late];
  for (let b = 0; b < unitsB; b++) if (!used[b]) rest.push(b);
  let r = 0;
  for (let j = 0; j < unitsB; j++) if (slots[j] < 0) slots[j] = rest[r++];
  return slots;
}
