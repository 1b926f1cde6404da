// A layer's data as the methods see it (LayerData), from joint moments and the per-net unit stats:
// the pairs to compare and the correlations, computed once per pair when a method first asks.
// align builds it from the run's moments; the jackknife from each leave-one-block-out state, and
// the chance levels from the null reducer's moments (src/align/resample/, src/align/null-data.ts).
import type { BatchMoments } from '../kernels/moments/contract.js';
import type { LayerData, NetLayer } from './methods/types.js';
import { correlationBlock } from './unit-stats.js';

export function makeLayerData(layer: string, samples: number, nets: NetLayer[], moments: BatchMoments, items?: number): LayerData {
  const pairs: [number, number][] = [];
  for (let a = 0; a < nets.length; a++) for (let b = a + 1; b < nets.length; b++) pairs.push([a, b]);
  const cache = new Map<string, Float64Array>();
  return {
    layer,
    samples,
    ...(items !== undefined ? { items } : {}),
    nets,
    moments,
    pairs,
    correlation(a, b) {
      const key = `${a},${b}`;
      let c = cache.get(key);
      if (!c) {
        const na = nets[a];
        const nb = nets[b];
        c = correlationBlock(moments, na.offset, na.units, nb.offset, nb.units, na.stats.dead, nb.stats.dead);
        cache.set(key, c);
      }
      return c;
    },
  };
}
