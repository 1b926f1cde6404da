// The joint moments of one layer over all parts, from each part's final files
// (moments/<layer>/mean.npy, m2.npy, count.json): part 1's state, then each next part merged into
// it in place by the pairwise float64 update (Chan et al.; src/kernels/moments/merge.ts), so at
// most two states are in memory whatever the number of parts. Means are absolute in mean.npy (the
// probe adds its shift back), so parts with different shifts merge directly. A net read as
// float32 in any part has float32 precision in the merge (align's dead-unit rule follows it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchMoments, MomentKernel } from '../kernels/moments/contract.js';
import { mergeMomentsInto } from '../kernels/moments/merge.js';
import { readNpy } from '../inputs/npy/npy-read.js';
import type { ActivationDtype } from '../align/unit-stats.js';
import { LayerAccumulator, type MomentsSnapshot } from '../probe/layer-accumulator.js';
import { runPaths } from '../run-dir/layout.js';
import type { Part } from './parts.js';

/** What moments/<layer>/count.json holds. */
interface CountRecord {
  samples: number;
  units: { name: string; units: number }[];
  dtype?: Record<string, ActivationDtype>;
}

/**
 * The layer's moments over `parts` (in item order), as an accumulator holding them: the probe's
 * writeLayerState writes it (mean.npy, m2.npy, count.json with each net's dtype) with the
 * reducers' outputs, as for a layer just probed.
 */
export async function mergeLayerMoments(parts: Part[], layer: string, nets: { name: string; units: number }[], onPartMerged?: (done: number) => void): Promise<LayerAccumulator> {
  let total: BatchMoments | undefined;
  let dtype: Record<string, ActivationDtype> | undefined;
  // Every next part is read into the same buffer: two D x D states in memory, whatever the parts.
  let spare: ArrayBuffer | undefined;
  for (const [i, part] of parts.entries()) {
    const next = await readPartMoments(part, layer, spare);
    if (total) spare = next.moments.m2.buffer as ArrayBuffer;
    if (!total) {
      [total, dtype] = [next.moments, next.count.dtype];
    } else {
      if (next.moments.d !== total.d) throw new Error(`layer ${layer}: part ${part.path} has moments of ${next.moments.d} units, the parts before it ${total.d}`);
      mergeMomentsInto(total, next.moments);
      dtype = mergeDtypes(dtype, next.count.dtype);
    }
    onPartMerged?.(i + 1);
  }
  const snapshot: MomentsSnapshot = { ...total!, shift: null, feed: 'moments', dtypes: nets.map((net) => dtype?.[net.name] ?? null) };
  return LayerAccumulator.restore(layer, nets, NO_BATCHES, snapshot);
}

/** The accumulator of merged moments is only written, never fed another batch. */
const NO_BATCHES: MomentKernel = {
  name: 'none (merged moments)',
  batchMoments: () => Promise.reject(new Error('merged moments take no more batches')),
  dispose() {},
};

function mergeDtypes(a: Record<string, ActivationDtype> | undefined, b: Record<string, ActivationDtype> | undefined): Record<string, ActivationDtype> | undefined {
  if (!a || !b) return a ?? b;
  return Object.fromEntries(Object.keys({ ...a, ...b }).map((net) => [net, a[net] === 'float32' || b[net] === 'float32' ? 'float32' : 'float64']));
}

async function readPartMoments(part: Part, layer: string, reuse?: ArrayBuffer): Promise<{ moments: BatchMoments; count: CountRecord }> {
  const dir = runPaths.momentsDir(part.path, layer);
  const countPath = join(dir, 'count.json');
  let count: CountRecord;
  try {
    count = JSON.parse(await readFile(countPath, 'utf8')) as CountRecord;
  } catch (e) {
    throw new Error(`part ${part.path}, layer ${layer}: cannot read ${countPath} (${(e as Error).message})`);
  }
  if (!Number.isSafeInteger(count.samples) || count.samples < 0 || !Array.isArray(count.units)) throw new Error(`${countPath}: not a moments count (samples, units)`);
  const mean = await readNpy(join(dir, 'mean.npy'));
  const m2 = await readNpy(join(dir, 'm2.npy'), reuse);
  const d = mean.data.length;
  if (!(mean.data instanceof Float64Array) || !(m2.data instanceof Float64Array) || m2.data.length !== d * d) {
    throw new Error(`part ${part.path}, layer ${layer}: ${dir} must hold float64 mean.npy (${d}) and m2.npy (${d} x ${d}), as the probe writes them`);
  }
  const units = count.units.reduce((sum, n) => sum + n.units, 0);
  if (units !== d) throw new Error(`${countPath}: ${units} units, but mean.npy holds ${d}`);
  return { moments: { n: count.samples, d, mean: mean.data, m2: m2.data }, count };
}
