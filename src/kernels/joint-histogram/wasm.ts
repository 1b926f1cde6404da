// The joint histogram kernel in WASM (assembly/joint-histogram.ts), on the calling thread.
//
// WASM memory holds, from the bottom: the u32 counters of every pair (kept across batches), the
// nets' f64 edges, one net's batch at a time (copied in, f32 or f64 as the file had it), every
// net's bins (a byte per value) and the scratch of histJoint. Counters are flushed into float64
// totals on the host before a batch could take any of them past 2^32 - 1 (the totals are allocated
// then: a run of fewer samples never holds them); counts() adds the counters to the totals into
// new arrays.
//
// Rows. A kernel may count only a range of net a's units (the rows) of each pair, `rows[p] =
// [r0, r1)`: its counts of pair p are then the rows r0 .. r1-1 of the full [D_a, D_b, bins, bins]
// array, (r1 - r0) x D_b x bins x bins. The parallel kernel (parallel.ts) gives each worker one
// such range per pair and concatenates the blocks. Every unit of every net is still binned (units x
// samples, against the counting's D_a x D_b x samples).
import { WasmInstance, wasmModule } from '../wasm-module.js';
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';

export interface WasmJointHistogramOptions {
  module?: WebAssembly.Module;
  /** Flush the u32 counters once this many samples are in them (default 2^32 - 1; lower only in tests). */
  maxCount?: number;
  /** Per pair of the spec, the half-open range [r0, r1) of net a's units this kernel counts (default all). */
  rows?: [number, number][];
}

/** The WASM kernel, with its rows' counts readable in blocks (for the parallel kernel's workers). */
export interface WasmJointHistogramKernel extends JointHistogramKernel {
  /** Per pair, the [r0, r1) of net a's units counted. */
  readonly rows: [number, number][];
  /** Counts of pair p, rows r0 + from .. r0 + to - 1 (relative to the kernel's range), as a new float64 array. */
  countsOfRows(pair: number, from: number, to: number): Float64Array;
  /** The same counts as the u32 counters themselves while no count passed 2^32 - 1 (valid until the next add), else countsOfRows'. */
  countsViewOfRows(pair: number, from: number, to: number): Uint32Array | Float64Array;
}

/** The row ranges of a spec's pairs (every row when not given), checked. */
function rowRanges(spec: JointHistogramSpec, rows: [number, number][] | undefined): [number, number][] {
  if (!rows) return spec.pairs.map(([a]) => [0, spec.units[a]]);
  if (rows.length !== spec.pairs.length) throw new Error(`row ranges for ${rows.length} pairs, but the spec has ${spec.pairs.length}`);
  rows.forEach(([r0, r1], p) => {
    const d = spec.units[spec.pairs[p][0]];
    if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= d)) throw new RangeError(`pair ${p}: bad row range [${r0}, ${r1}) of ${d} units`);
  });
  return rows.map(([r0, r1]) => [r0, r1]);
}

export async function createWasmJointHistogramKernel(spec: JointHistogramSpec, options: WasmJointHistogramOptions = {}): Promise<WasmJointHistogramKernel> {
  checkSpec(spec);
  const { bins, units, edges, pairs } = spec;
  const rows = rowRanges(spec, options.rows);
  const w = await WasmInstance.create(options.module ?? (await wasmModule()));
  const ex = w.exports;
  const maxCount = Math.min(0xffffffff, Math.max(1, Math.floor(options.maxCount ?? 0xffffffff)));
  const cells = bins * bins;
  const ne = bins - 1;
  const rowCells = pairs.map(([, b]) => units[b] * cells);
  const pairCells = rows.map(([r0, r1], p) => (r1 - r0) * rowCells[p]);
  const countBytes = pairCells.map((c) => c * 4);
  const edgeBytes = units.map((d) => d * ne * 8);
  // Allocated by the first flush (more than 2^32 - 1 samples, or a lowered maxCount).
  let totals: Float64Array[] | null = null;
  let inCounters = 0;
  let disposed = false;

  /** Offsets of [counters per pair, edges per net, input, bins per net, scratch] for n samples. */
  function layout(n: number) {
    const inputBytes = Math.max(0, ...units.map((d) => inputUnits(d, n) * n * 8));
    const sizes = [...countBytes, ...edgeBytes, inputBytes, ...units.map((d) => d * n), 2 * n + 16 + 16 * cells];
    const offsets = w.layout(sizes, `joint histograms of ${pairs.length} pairs of nets, ${n} samples`);
    let k = 0;
    const counts = pairs.map(() => offsets[k++]);
    const edge = units.map(() => offsets[k++]);
    const input = offsets[k++];
    const binned = units.map(() => offsets[k++]);
    return { counts, edge, input, binned, scratch: offsets[k] };
  }

  // The counters start at zero (fresh memory) and the edges are written once: the offsets of
  // everything before the input do not depend on n.
  {
    const l = layout(0);
    units.forEach((d, k) => w.f64(l.edge[k], d * ne).set(edges[k]));
  }

  function flush(): void {
    if (inCounters === 0) return;
    const l = layout(0);
    totals ??= pairCells.map((c) => new Float64Array(c));
    pairs.forEach((_, p) => {
      const c = new Uint32Array(w.memory.buffer, l.counts[p], pairCells[p]);
      const t = totals![p];
      for (let i = 0; i < c.length; i++) t[i] += c[i];
      c.fill(0);
    });
    inCounters = 0;
  }

  /** The u32 counters of pair p's relative rows [from, to) (a view of the memory), and where they start in the pair's counts. */
  function countersOfRows(p: number, from: number, to: number): { c: Uint32Array; start: number } {
    const rowsHere = rows[p][1] - rows[p][0];
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= rowsHere)) throw new RangeError(`pair ${p}: bad rows [${from}, ${to}) of ${rowsHere}`);
    const start = from * rowCells[p];
    return { c: new Uint32Array(w.memory.buffer, layout(0).counts[p] + 4 * start, (to - from) * rowCells[p]), start };
  }

  /** The counters plus the totals flushed so far of pair p's relative rows [from, to), as a new float64 array. */
  function countsOfRows(p: number, from: number, to: number): Float64Array {
    const { c, start } = countersOfRows(p, from, to);
    const length = c.length;
    const out = new Float64Array(length);
    const t = totals?.[p];
    if (t) for (let i = 0; i < length; i++) out[i] = t[start + i] + c[i];
    else for (let i = 0; i < length; i++) out[i] = c[i];
    return out;
  }

  /** The counters plus the totals flushed so far, as new float64 arrays. */
  async function counts(): Promise<Float64Array[]> {
    return pairs.map((_, p) => countsOfRows(p, 0, rows[p][1] - rows[p][0]));
  }

  return {
    name: 'wasm-simd (1 thread)',
    rows,
    countsOfRows,
    countsViewOfRows: (p, from, to) => (totals ? countsOfRows(p, from, to) : countersOfRows(p, from, to).c),
    async add(nets, samples) {
      if (disposed) throw new Error('the joint histogram kernel was disposed');
      checkBatch(spec, nets, samples);
      // Cut a batch that alone exceeds the counters' range (only with a lowered maxCount).
      for (let s0 = 0; s0 < samples; s0 += maxCount) {
        const n = Math.min(maxCount, samples - s0);
        if (inCounters + n > maxCount) flush();
        const l = layout(n);
        nets.forEach((data, k) => {
          const d = units[k];
          const part = n === samples ? data : sliceSamples(data, d, samples, s0, n);
          // A few units at a time through the input buffer (unit-major: each chunk is contiguous).
          const step = inputUnits(d, n);
          for (let u0 = 0; u0 < d; u0 += step) {
            const u1 = Math.min(d, u0 + step);
            const chunk = part.subarray(u0 * n, u1 * n);
            const edgesAt = l.edge[k] + u0 * ne * 8;
            if (chunk instanceof Float32Array) {
              w.f32(l.input, chunk.length).set(chunk);
              ex.histBin32(l.input, u1 - u0, n, edgesAt, ne, l.binned[k] + u0 * n);
            } else {
              w.f64(l.input, chunk.length).set(chunk);
              ex.histBin64(l.input, u1 - u0, n, edgesAt, ne, l.binned[k] + u0 * n);
            }
          }
        });
        pairs.forEach(([a, b], p) => {
          // Several calls rather than one: V8 tiers a WASM function up between calls.
          const rowsPerCall = Math.max(1, Math.floor(2 ** 24 / Math.max(1, units[b] * n)));
          // Net a's bins from row r0 on, so that the kernel's row index is the counters' (relative) row.
          const [r0, r1] = rows[p];
          const binsA = l.binned[a] + r0 * n;
          for (let r = 0; r < r1 - r0; r += rowsPerCall) {
            ex.histJoint(binsA, r, Math.min(rowsPerCall, r1 - r0 - r), l.binned[b], units[b], n, bins, l.counts[p], l.scratch);
          }
        });
        inCounters += n;
      }
    },
    counts,
    async countsView() {
      if (totals) return counts();
      const l = layout(0);
      return pairs.map((_, p) => new Uint32Array(w.memory.buffer, l.counts[p], pairCells[p]));
    },
    dispose() {
      disposed = true;
    },
  };
}

/**
 * Units of a batch of n samples binned per call: as many as fit INPUT_BYTES (at least one). The
 * values pass through WASM memory only to be binned, so a conv batch (conv1 of an AlexNet: 96
 * units x 193,600 samples, 149 MB in float64) need not be held there whole, once per kernel.
 */
function inputUnits(units: number, n: number): number {
  return Math.max(1, Math.min(units, Math.floor(INPUT_BYTES / Math.max(1, n * 8))));
}
const INPUT_BYTES = 8 << 20;

/** Samples [s0, s0 + n) of every unit of a unit-major batch, as a new unit-major array. */
function sliceSamples<T extends Float32Array | Float64Array>(data: T, units: number, samples: number, s0: number, n: number): T {
  const out = new (data.constructor as { new (length: number): T })(units * n);
  for (let u = 0; u < units; u++) out.set(data.subarray(u * samples + s0, u * samples + s0 + n), u * n);
  return out;
}
