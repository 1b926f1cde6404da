// The bins of every sample of every unit, kept in one WASM memory, and the mutual information of
// every unit pair counted from them at the end (assembly/mi-pairs.ts): the `mi-histograms`
// reducer's one-pass way through a layer whose joint counters would not fit
// (src/probe/reducers/mi-columns.ts).
//
// WASM memory holds, from the bottom: each net's f64 edges, each net's bins (one byte per value,
// unit-major, `capacity` samples a unit), miPairs' scratch, the bin counts of the units of the
// pair's second net and the output of one block of rows,
// then the batch being binned (its values and their bins, before they are copied into the
// columns). The binning is the joint histogram kernel's (histBin32 / histBin64: bin(x) = #{k :
// e[k] < x}, contract.ts), so the counts are those the joint histogram kernels would make.
import { WasmInstance, wasmModule } from '../wasm-module.js';
import { checkBatch, checkSpec, type JointHistogramSpec } from './contract.js';

/** Per pair of the spec, the plug-in MI and the Miller-Madow correction of every unit pair, [units a, units b] row-major. */
export interface PairInformationArrays {
  mi: Float64Array;
  millerMadow: Float64Array;
}

/** Rows of net A per miPairs call: about 2^24 pair-samples (V8 tiers a WASM function up between calls). */
const PAIR_SAMPLES_PER_CALL = 2 ** 24;
/** Unit pairs of one call's output at most (2 x 8 MiB of float64), whatever the samples. */
const MAX_OUTPUT_PAIRS = 2 ** 20;

/** Rows of net A (of `unitsA`) one miPairs call counts when net B has `unitsB` units and the columns hold `samples`. */
function rowsPerCall(unitsA: number, unitsB: number, samples: number): number {
  const byWork = Math.floor(PAIR_SAMPLES_PER_CALL / Math.max(1, unitsB * samples));
  return Math.max(1, Math.min(unitsA, byWork, Math.floor(MAX_OUTPUT_PAIRS / Math.max(1, unitsB))));
}

/**
 * WASM bytes of the columns of `samples` samples (the edges, the bins, miPairs' scratch and one
 * call's outputs), besides the batch being binned (its values and bins: 9 bytes a value at most).
 */
export function binnedColumnsBytes(spec: Pick<JointHistogramSpec, 'units' | 'bins' | 'pairs'>, samples: number): number {
  const { units, bins, pairs } = spec;
  const total = units.reduce((a, b) => a + b, 0);
  const out = Math.max(0, ...pairs.map(([a, b]) => rowsPerCall(units[a], units[b], samples) * units[b] * 8));
  const widest = Math.max(0, ...units);
  return total * (bins - 1) * 8 + total * samples + 6 * samples + 64 + 16 * bins * bins + 24 * bins + widest * bins * 4 + 2 * out + 16 * (2 * units.length + 5);
}

export class BinnedColumns {
  /** Samples binned so far (per unit). */
  filled = 0;
  /** Samples between the starts of two units' rows: `capacity`, or `filled` once compacted for counting. */
  private stride: number;
  private compacted = false;
  private disposed = false;

  private constructor(
    private readonly w: WasmInstance,
    private readonly spec: JointHistogramSpec,
    /** Samples a unit's row has room for (the memory laid out). */
    private readonly capacity: number,
  ) {
    this.stride = capacity;
  }

  /** Columns for `capacity` samples of every net of `spec` (its pairs are the pairs `information` counts). */
  static async create(spec: JointHistogramSpec, capacity: number, module?: WebAssembly.Module): Promise<BinnedColumns> {
    checkSpec(spec);
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0xffffffff) throw new RangeError(`binned columns: bad sample capacity ${capacity}`);
    const columns = new BinnedColumns(await WasmInstance.create(module ?? (await wasmModule())), spec, capacity);
    const l = columns.layout(0);
    spec.units.forEach((d, k) => columns.w.f64(l.edges[k], d * (spec.bins - 1)).set(spec.edges[k]));
    return columns;
  }

  /** The rows of net A a miPairs call takes for a pair whose net B has `unitsB` units. */
  private rowsPerCall(unitsA: number, unitsB: number): number {
    return rowsPerCall(unitsA, unitsB, this.stride);
  }

  /** Offsets of [edges per net, columns per net, scratch, net B's bin counts, outputs, input, binned] for a batch of n samples. */
  private layout(n: number) {
    const { units, bins, pairs } = this.spec;
    const out = Math.max(0, ...pairs.map(([a, b]) => this.rowsPerCall(units[a], units[b]) * units[b] * 8));
    const sizes = [
      ...units.map((d) => d * (bins - 1) * 8),
      ...units.map((d) => d * this.capacity),
      this.w.exports.miPairsScratchBytes(this.capacity, bins),
      Math.max(0, ...units) * bins * 4,
      out,
      out,
      Math.max(0, ...units.map((d) => d * n * 8)),
      Math.max(0, ...units.map((d) => d * n)),
    ];
    const offsets = this.w.layout(sizes, `binned columns of ${units.join(' + ')} units x ${this.capacity} samples`);
    const nets = units.length;
    return {
      edges: offsets.slice(0, nets),
      columns: offsets.slice(nets, 2 * nets),
      scratch: offsets[2 * nets],
      binCounts: offsets[2 * nets + 1],
      outMi: offsets[2 * nets + 2],
      outMm: offsets[2 * nets + 3],
      input: offsets[2 * nets + 4],
      binned: offsets[2 * nets + 5],
    };
  }

  private check(adding = false): void {
    if (this.disposed) throw new Error('the binned columns were disposed');
    if (adding && this.compacted) throw new Error('binned columns: samples added after the pairs were counted');
  }

  /** Bins one batch (unit-major per net, as probe batches) into the next `samples` columns. */
  add(nets: (Float32Array | Float64Array)[], samples: number): void {
    this.check(true);
    checkBatch(this.spec, nets, samples);
    if (this.filled + samples > this.stride) throw new Error(`binned columns: ${this.filled + samples} samples, more than the ${this.stride} they were made for`);
    const { units, bins } = this.spec;
    const l = this.layout(samples);
    const ex = this.w.exports;
    const bytes = new Uint8Array(this.w.memory.buffer);
    nets.forEach((data, k) => {
      const d = units[k];
      if (data instanceof Float32Array) {
        this.w.f32(l.input, d * samples).set(data);
        ex.histBin32(l.input, d, samples, l.edges[k], bins - 1, l.binned);
      } else {
        this.w.f64(l.input, d * samples).set(data);
        ex.histBin64(l.input, d, samples, l.edges[k], bins - 1, l.binned);
      }
      for (let u = 0; u < d; u++) bytes.copyWithin(l.columns[k] + u * this.stride + this.filled, l.binned + u * samples, l.binned + (u + 1) * samples);
    });
    this.filled += samples;
  }

  /** Net k's bins so far, [units, filled] unit-major (a copy, or a view of the memory when the columns are full). */
  bins(k: number): Uint8Array {
    this.check();
    const d = this.spec.units[k];
    const l = this.layout(0);
    const bytes = new Uint8Array(this.w.memory.buffer);
    if (this.filled === this.stride) return bytes.subarray(l.columns[k], l.columns[k] + d * this.stride);
    const out = new Uint8Array(d * this.filled);
    for (let u = 0; u < d; u++) out.set(bytes.subarray(l.columns[k] + u * this.stride, l.columns[k] + u * this.stride + this.filled), u * this.filled);
    return out;
  }

  /** Appends `samples` samples of already binned values of every net ([units, samples] unit-major each, as bins() gives them). */
  addBins(nets: Uint8Array[], samples: number): void {
    this.check(true);
    const { units, bins } = this.spec;
    if (nets.length !== units.length || nets.some((b, k) => b.length !== units[k] * samples)) throw new Error(`binned columns: saved bins do not hold ${samples} samples of units ${units.join(', ')}`);
    if (this.filled + samples > this.stride) throw new Error(`binned columns: ${this.filled + samples} samples, more than the ${this.stride} they were made for`);
    const l = this.layout(0);
    const bytes = new Uint8Array(this.w.memory.buffer);
    nets.forEach((b, k) => {
      for (let i = 0; i < b.length; i++) if (b[i] >= bins) throw new Error(`binned columns: net ${k}, unit ${Math.floor(i / samples)}: bin ${b[i]} of a ${bins}-bin histogram`);
      for (let u = 0; u < units[k]; u++) bytes.set(b.subarray(u * samples, (u + 1) * samples), l.columns[k] + u * this.stride + this.filled);
    });
    this.filled += samples;
  }

  /**
   * Every pair of the spec counted over the samples binned so far and reduced to the plug-in MI
   * and the Miller-Madow correction (pairInformation's values, bit for bit). `progress(pair,
   * rowsDone)` after each call. No more samples may be added afterwards. `rows`: per pair, only
   * the units [r0, r1) of net a (the arrays then hold those rows, [r1 - r0, units b]), as each
   * worker of the threaded count does (parallel-columns.ts).
   */
  information(progress?: (pair: number, rows: number) => void, rows?: [number, number][]): PairInformationArrays[] {
    this.check();
    this.compact();
    const { units, bins, pairs } = this.spec;
    if (rows && rows.length !== pairs.length) throw new Error(`binned columns: row ranges for ${rows.length} pairs, but ${pairs.length} pairs`);
    const l = this.layout(0);
    const ex = this.w.exports;
    return pairs.map(([a, b], p) => {
      const [r0, r1] = rows?.[p] ?? [0, units[a]];
      if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= units[a])) throw new RangeError(`binned columns, pair ${p}: bad row range [${r0}, ${r1}) of ${units[a]} units`);
      const unitsB = units[b];
      const out = { mi: new Float64Array((r1 - r0) * unitsB), millerMadow: new Float64Array((r1 - r0) * unitsB) };
      const step = this.rowsPerCall(units[a], unitsB);
      ex.miBinCounts(l.columns[b], unitsB, this.stride, bins, l.binCounts);
      for (let r = r0; r < r1; r += step) {
        const count = Math.min(step, r1 - r);
        ex.miPairs(l.columns[a], r, count, l.columns[b], unitsB, this.stride, bins, l.binCounts, l.outMi, l.outMm, l.scratch);
        out.mi.set(this.w.f64(l.outMi, count * unitsB), (r - r0) * unitsB);
        out.millerMadow.set(this.w.f64(l.outMm, count * unitsB), (r - r0) * unitsB);
        progress?.(p, r + count - r0);
      }
      return out;
    });
  }

  /** Rows of `filled` samples (each unit's bins moved down; a unit never moves onto one not yet moved). */
  private compact(): void {
    this.compacted = true;
    if (this.filled === this.stride) return;
    const l = this.layout(0);
    const bytes = new Uint8Array(this.w.memory.buffer);
    this.spec.units.forEach((d, k) => {
      for (let u = 1; u < d; u++) bytes.copyWithin(l.columns[k] + u * this.filled, l.columns[k] + u * this.stride, l.columns[k] + u * this.stride + this.filled);
    });
    this.stride = this.filled;
  }

  dispose(): void {
    this.disposed = true;
  }
}
