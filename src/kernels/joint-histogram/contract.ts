// The contract of every joint histogram kernel (reference, WASM, WebGPU): the types, the checks
// every implementation runs first, and the definition in words. reference.ts is its executable form.
//
// Binning. Every unit u has `bins - 1` non-decreasing edges e[u][0..bins-2] (float64), and a value
// x falls in bin
//     bin(x) = #{ k : e[u][k] < x }            (0 .. bins - 1)
// i.e. bin k holds the values in (e[k-1], e[k]]. The mutual-information reducer puts the zero
// threshold in e[0] (bin 0: x <= threshold, "the ReLU is off") and the equal-mass cut points of
// the values above it in e[1..]. A value equal to an edge goes to the lower bin. NaN (never seen:
// the probe refuses non-finite activations) would land in bin 0.
//
// Counts. For nets A and B (units D_a, D_b) and a batch of n samples, every pair of units (a, b)
// counts the samples by (bin of a, bin of b):
//     counts[((a * D_b + b) * bins + i) * bins + j] += #{ s : bin_a(x_as) = i, bin_b(x_bs) = j }
// i.e. an array of shape [D_a, D_b, bins, bins], row-major. Batches add up; the order does not matter.
//
// Batches are unit-major (data[u * n + s]) like every probe batch; bins are kept as one byte each
// (bins <= MAX_BINS), unit-major as well.

/** Most bins a joint histogram may have: bins fit a byte, and bins^2 u32 counters fit 16 KiB of GPU workgroup memory. */
export const MAX_BINS = 64;

/** The layout of the counts being accumulated: the nets' widths, the pairs, the bin edges. */
export interface JointHistogramSpec {
  /** Bins per unit, 2..MAX_BINS. */
  bins: number;
  /** Units of every net. */
  units: number[];
  /** Per net, `units * (bins - 1)` edges (row u: unit u's edges, non-decreasing). */
  edges: Float64Array[];
  /** Pairs of net indices [a, b] to count (a's units are the rows of the counts). */
  pairs: [number, number][];
}

/** Accumulates joint counts batch by batch; counts() gives the exact totals (float64). */
export interface JointHistogramKernel {
  /** e.g. 'reference', 'wasm-simd (1 thread)', 'webgpu (...)' */
  readonly name: string;
  /** One batch: for every net of the spec, `units * samples` values, unit-major. */
  add(nets: (Float32Array | Float64Array)[], samples: number): Promise<void>;
  /** Per pair of the spec, the counts so far: [D_a, D_b, bins, bins] row-major, float64. */
  counts(): Promise<Float64Array[]>;
  /**
   * Optional: the same counts without a float64 copy where the kernel can (the WASM kernel's own
   * u32 counters while no count passed 2^32 - 1), valid only until the next add or dispose: for a
   * reader that consumes them at once (the tiled MI reduction, src/probe/reducers/mi-tiled-counts.ts).
   */
  countsView?(): Promise<(Uint32Array | Float64Array)[]>;
  dispose(): void | Promise<void>;
}

export function checkSpec(spec: JointHistogramSpec): void {
  const { bins, units, edges, pairs } = spec;
  if (!Number.isInteger(bins) || bins < 2 || bins > MAX_BINS) throw new RangeError(`bins must be an integer from 2 to ${MAX_BINS}, got ${bins}`);
  if (edges.length !== units.length) throw new Error(`edges for ${edges.length} nets, but ${units.length} nets`);
  units.forEach((d, k) => {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`net ${k}: bad unit count ${d}`);
    if (edges[k].length !== d * (bins - 1)) throw new Error(`net ${k}: ${edges[k].length} edges, expected ${d} units x ${bins - 1}`);
    const e = edges[k];
    for (let u = 0; u < d; u++) {
      for (let i = 1; i < bins - 1; i++) {
        if (!(e[u * (bins - 1) + i - 1] <= e[u * (bins - 1) + i])) throw new Error(`net ${k}, unit ${u}: edges must be non-decreasing and not NaN`);
      }
    }
  });
  for (const [a, b] of pairs) {
    if (!(a >= 0 && a < units.length && b >= 0 && b < units.length)) throw new RangeError(`pair [${a}, ${b}] names a net that is not there`);
  }
}

export function checkBatch(spec: JointHistogramSpec, nets: (Float32Array | Float64Array)[], samples: number): void {
  if (!Number.isInteger(samples) || samples < 0) throw new RangeError(`bad sample count ${samples}`);
  if (nets.length !== spec.units.length) throw new Error(`batch has ${nets.length} nets, the histogram ${spec.units.length}`);
  nets.forEach((data, k) => {
    if (data.length !== spec.units[k] * samples) throw new Error(`net ${k}: batch has ${data.length} values, expected ${spec.units[k]} units x ${samples} samples`);
  });
}
