// The joint histogram kernel in WASM (assembly/joint-histogram.ts), on the calling thread.
//
// WASM memory holds, from the bottom: the u32 counters of every pair (kept across batches), the
// nets' f64 edges, one net's batch at a time (copied in, f32 or f64 as the file had it), every
// net's bins (a byte per value) and the scratch of histJoint. Counters are flushed into float64
// totals on the host before a batch could take any of them past 2^32 - 1 (the totals are allocated
// then: a run of fewer samples never holds them); counts() adds the counters to the totals into
// new arrays.
import { WasmInstance, wasmModule } from '../wasm-module.js';
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';

export interface WasmJointHistogramOptions {
  module?: WebAssembly.Module;
  /** Flush the u32 counters once this many samples are in them (default 2^32 - 1; lower only in tests). */
  maxCount?: number;
}

export async function createWasmJointHistogramKernel(spec: JointHistogramSpec, options: WasmJointHistogramOptions = {}): Promise<JointHistogramKernel> {
  checkSpec(spec);
  const { bins, units, edges, pairs } = spec;
  const w = await WasmInstance.create(options.module ?? (await wasmModule()));
  const ex = w.exports;
  const maxCount = Math.min(0xffffffff, Math.max(1, Math.floor(options.maxCount ?? 0xffffffff)));
  const cells = bins * bins;
  const ne = bins - 1;
  const pairCells = pairs.map(([a, b]) => units[a] * units[b] * cells);
  const countBytes = pairCells.map((c) => c * 4);
  const edgeBytes = units.map((d) => d * ne * 8);
  // Allocated by the first flush (more than 2^32 - 1 samples, or a lowered maxCount).
  let totals: Float64Array[] | null = null;
  let inCounters = 0;
  let disposed = false;

  /** Offsets of [counters per pair, edges per net, input, bins per net, scratch] for n samples. */
  function layout(n: number) {
    const inputBytes = Math.max(0, ...units.map((d) => d * n * 8));
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

  /** The counters plus the totals flushed so far, as new float64 arrays. */
  async function counts(): Promise<Float64Array[]> {
    const l = layout(0);
    return pairs.map((_, p) => {
      const c = new Uint32Array(w.memory.buffer, l.counts[p], pairCells[p]);
      const out = new Float64Array(pairCells[p]);
      const t = totals?.[p];
      if (t) for (let i = 0; i < out.length; i++) out[i] = t[i] + c[i];
      else for (let i = 0; i < out.length; i++) out[i] = c[i];
      return out;
    });
  }

  return {
    name: 'wasm-simd (1 thread)',
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
          if (part instanceof Float32Array) {
            w.f32(l.input, d * n).set(part);
            ex.histBin32(l.input, d, n, l.edge[k], ne, l.binned[k]);
          } else {
            w.f64(l.input, d * n).set(part);
            ex.histBin64(l.input, d, n, l.edge[k], ne, l.binned[k]);
          }
        });
        pairs.forEach(([a, b], p) => {
          // Several calls rather than one: V8 tiers a WASM function up between calls.
          const rowsPerCall = Math.max(1, Math.floor(2 ** 24 / Math.max(1, units[b] * n)));
          for (let r = 0; r < units[a]; r += rowsPerCall) {
            ex.histJoint(l.binned[a], r, Math.min(rowsPerCall, units[a] - r), l.binned[b], units[b], n, bins, l.counts[p], l.scratch);
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

/** Samples [s0, s0 + n) of every unit of a unit-major batch, as a new unit-major array. */
function sliceSamples<T extends Float32Array | Float64Array>(data: T, units: number, samples: number, s0: number, n: number): T {
  const out = new (data.constructor as { new (length: number): T })(units * n);
  for (let u = 0; u < units; u++) out.set(data.subarray(u * samples + s0, u * samples + s0 + n), u * n);
  return out;
}
