// Which layers of a probe from ONNX models gather several batches before their moments are merged
// (LayerAccumulator.gather, src/probe/layer-accumulator.ts), and where they flush.
//
// The kernel's cost per batch is about a n d^2 + b d^2 (n samples, d the stacked units): the
// co-moments themselves, then the merge of the batch's d x d co-moments into the running total
// and the float64 flush of its float32 blocks, paid once per batch whatever n. A conv layer's batch
// has thousands of samples (64 images x the map's positions) and the first term rules; an fc layer
// has one sample per image, and at 64 samples and d = 16,384 (fc6 of four nets) the second one is
// most of the work. Gathered to GATHER_SAMPLES samples, it is paid once per 512 images instead of
// once per 64 (measured: a 512-sample batch 4.3x cheaper per sample than 64 at d = 8,192).
//
// Flushes fall every `items` items of the data counted from its first item (not the shard's),
// and at the end of the items probed: the same sample counts whether or not the probe was stopped
// and resumed (a checkpoint is taken only where nothing is gathered), and a part of a sharded probe
// whose cuts are multiples of `items` merges the single probe's batches. Parts cut elsewhere, and
// --blocks (whose block ends flush too), differ from the single probe by the float32 rounding of
// the kernel's batch sums only, as their batch cuts do without gathering.

/** Samples a gathering layer collects before its moments are merged. */
export const GATHER_SAMPLES = 512;
/** Stacked units below which gathering is not worth its copy (the d^2 part per batch is small). */
export const GATHER_MIN_UNITS = 1024;
/** Most bytes of gathered float32 samples per layer. */
export const GATHER_MAX_BYTES = 256 * 2 ** 20;

export interface GatherOptions {
  /** Samples to gather (default GATHER_SAMPLES; 0: no gathering). */
  samples?: number;
  /** Fewest stacked units of a gathering layer (default GATHER_MIN_UNITS). */
  minUnits?: number;
}

export interface GatherPlan {
  /** Items between flushes (a multiple of the batch), 0 when no layer gathers. */
  items: number;
  /** Per layer, the samples it gathers (0: none). */
  samples: number[];
}

/** The gathering of each layer ({ units: stacked units, samplesPerItem }) for batches of `batchItems` items. */
export function planMomentGather(batchItems: number, layers: { units: number; samplesPerItem: number }[], options: GatherOptions = {}): GatherPlan {
  const target = options.samples ?? GATHER_SAMPLES;
  const minUnits = options.minUnits ?? GATHER_MIN_UNITS;
  const items = target > 0 ? batchItems * Math.ceil(target / batchItems) : 0;
  const samples = layers.map(({ units, samplesPerItem }) => {
    const gathers = items > batchItems && units >= minUnits && batchItems * samplesPerItem < target && 4 * units * items * samplesPerItem <= GATHER_MAX_BYTES;
    return gathers ? items * samplesPerItem : 0;
  });
  return { items: samples.some((s) => s > 0) ? items : 0, samples };
}

/** Whether the gathered layers flush after the batch ending at item `end` (exclusive) of a probe over items up to `last`. */
export function gatherFlushDue(plan: GatherPlan, end: number, last: number): boolean {
  return plan.items > 0 && (end % plan.items === 0 || end >= last);
}
