// Joint histograms of unit pairs: the plain-TS definition the WASM and WebGPU kernels are tested
// against (the "living definition" of the binning rule and the counts).
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

/** The bin of x among `count` non-decreasing edges starting at edges[offset]: how many are < x. */
export function binIndex(x: number, edges: ArrayLike<number>, offset: number, count: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[offset + mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bins every value of a unit-major batch: out[u * samples + s] = bin of data[u * samples + s]. */
export function binUnits(
  data: ArrayLike<number>,
  units: number,
  samples: number,
  edges: ArrayLike<number>,
  bins: number,
  out: Uint8Array = new Uint8Array(units * samples),
): Uint8Array {
  const ne = bins - 1;
  for (let u = 0; u < units; u++) {
    const row = u * samples;
    for (let s = 0; s < samples; s++) out[row + s] = binIndex(data[row + s], edges, u * ne, ne);
  }
  return out;
}

/** counts[((a * unitsB + b) * bins + i) * bins + j] += samples with bin i in unit a and j in unit b. */
export function accumulateJointCounts(
  binsA: Uint8Array,
  unitsA: number,
  binsB: Uint8Array,
  unitsB: number,
  samples: number,
  bins: number,
  counts: Float64Array | Uint32Array,
): void {
  const cells = bins * bins;
  for (let a = 0; a < unitsA; a++) {
    const rowA = a * samples;
    for (let b = 0; b < unitsB; b++) {
      const rowB = b * samples;
      const base = (a * unitsB + b) * cells;
      for (let s = 0; s < samples; s++) counts[base + binsA[rowA + s] * bins + binsB[rowB + s]]++;
    }
  }
}

export function createReferenceJointHistogramKernel(spec: JointHistogramSpec): JointHistogramKernel {
  checkSpec(spec);
  const { bins, units, edges, pairs } = spec;
  const totals = pairs.map(([a, b]) => new Float64Array(units[a] * units[b] * bins * bins));
  let disposed = false;
  return {
    name: 'reference',
    async add(nets, samples) {
      if (disposed) throw new Error('the joint histogram kernel was disposed');
      checkBatch(spec, nets, samples);
      const binned = nets.map((data, k) => binUnits(data, units[k], samples, edges[k], bins));
      pairs.forEach(([a, b], p) => accumulateJointCounts(binned[a], units[a], binned[b], units[b], samples, bins, totals[p]));
    },
    async counts() {
      return totals.map((t) => t.slice());
    },
    dispose() {
      disposed = true;
    },
  };
}
