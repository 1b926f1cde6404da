// Joint histograms of unit pairs: the plain-TS definition the WASM and WebGPU kernels are tested
// against (the "living definition" of the binning rule and the counts in ./contract.ts).
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';

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
