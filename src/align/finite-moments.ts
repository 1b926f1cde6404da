// Moments read back from a run directory must be finite: a run written before the overflow guard
// (or edited by hand) could hold Infinity or NaN, which would reach the tables as Inf/NaN or break
// the matching with an error naming no layer. align refuses such moments, naming the unit.
import type { BatchMoments } from '../kernels/moments/contract.js';
import { unitAtOffset } from '../util/stacked-units.js';

/**
 * Throws naming the file, net and unit when a mean or co-moment of the joint moments is not
 * finite. `nets` lists each net's name, offset and unit count within the stacked units.
 */
export function checkFiniteMoments(m: BatchMoments, nets: { name: string; offset: number; units: number }[], dir: string): void {
  const offsets = nets.map((n) => n.offset);
  const unitOf = (i: number) => {
    const { k, unit } = unitAtOffset(offsets, i);
    return k >= 0 && unit < nets[k].units ? `net ${nets[k].name}, unit ${unit}` : `unit ${i}`;
  };
  for (let i = 0; i < m.d; i++) {
    if (!Number.isFinite(m.mean[i])) throw new Error(`${dir}/mean.npy: ${unitOf(i)} has mean ${m.mean[i]}; probe the layer again`);
    for (let j = 0; j < m.d; j++) {
      const v = m.m2[i * m.d + j];
      if (!Number.isFinite(v)) throw new Error(`${dir}/m2.npy: ${unitOf(i)} has co-moment ${v} with ${unitOf(j)}; probe the layer again`);
    }
  }
}
