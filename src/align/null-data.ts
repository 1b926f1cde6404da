// A layer as it would be with no correspondence between the nets: the joint moments of the `null`
// reducer (src/probe/reducers/null-pairs.ts: every net sees a different item than every other, so
// the between-net blocks are what the same units give when no pair shares an input), with the
// real layer's units. Every method run on it gives its chance level at this sample size: the best
// of D correlations is well above zero even when nothing corresponds.
//
// The per-net statistics are the real ones (means, stds and the dead/rare mask), so the null
// leaves out exactly the units the real layer leaves out; the null moments are a permutation of
// each net's own samples, so their within-net blocks equal the real ones up to float rounding.
import type { BatchMoments } from '../kernels/moments/contract.js';
import type { ReducerOutput } from '../probe/reducers/types.js';
import { NULL_PAIRS, type NullPairsJson } from '../probe/reducers/null-pairs.js';
import { checkFiniteMoments } from './finite-moments.js';
import type { LayerData } from './methods/types.js';
import { correlationBlock } from './unit-stats.js';

/** The null moments of `output` (the `null` reducer's for data's layer), refused when they do not fit the layer. */
export function nullMoments(data: LayerData, output: ReducerOutput): BatchMoments {
  const where = `reducer ${NULL_PAIRS}, layer ${data.layer}`;
  const d = data.moments.d;
  const mean = output.arrays?.mean;
  const m2 = output.arrays?.m2;
  if (!mean || !m2) throw new Error(`${where}: the output lacks ${!mean ? 'mean' : 'm2'}.npy; probe the layer again with --reducer ${NULL_PAIRS}`);
  if (mean.shape.length !== 1 || mean.shape[0] !== d || mean.data.length !== d) {
    throw new Error(`${where}: mean.npy has shape ${JSON.stringify(mean.shape)}, the layer has ${d} units (${unitList(data)})`);
  }
  if (m2.shape.length !== 2 || m2.shape[0] !== d || m2.shape[1] !== d || m2.data.length !== d * d) {
    throw new Error(`${where}: m2.npy has shape ${JSON.stringify(m2.shape)}, expected [${d}, ${d}] (${unitList(data)})`);
  }
  const json = output.json as Partial<NullPairsJson> | undefined;
  if (json?.samples !== data.samples) {
    throw new Error(`${where}: the null moments cover ${String(json?.samples)} samples, the layer's moments ${data.samples}; probe both in the same run`);
  }
  const saved = (json.nets ?? []).map((n) => `${n.name} ${n.units}`).join(' + ');
  if (saved !== unitList(data)) throw new Error(`${where}: the null moments are of nets ${saved || '(none named)'}, the layer has ${unitList(data)}`);
  return { n: json.samples, d, mean: Float64Array.from(mean.data), m2: Float64Array.from(m2.data) };
}

/**
 * The layer with no correspondence: `data` (the real layer, as loadLayerData gives it) with the
 * null moments of `output` in place of the real ones, and correlations from them. Refuses an
 * output whose units, nets or samples differ from the layer's, naming both.
 */
export function nullLayerData(data: LayerData, output: ReducerOutput): LayerData {
  const moments = nullMoments(data, output);
  checkFiniteMoments(moments, data.nets, `reducers/${NULL_PAIRS}/${data.layer}`);
  const { nets } = data;
  // Blocks by pair, formed on first use (a method may ask for a pair in both directions).
  const blocks = new Map<string, Float64Array>();
  const block = (a: number, b: number): Float64Array =>
    // The real dead/rare masks: the null leaves out the units the real layer leaves out.
    correlationBlock(moments, nets[a].offset, nets[a].units, nets[b].offset, nets[b].units, nets[a].stats.dead, nets[b].stats.dead);
  return {
    layer: data.layer,
    samples: data.samples,
    nets,
    moments,
    pairs: data.pairs,
    correlation: (a, b) => {
      const key = `${a} ${b}`;
      const known = blocks.get(key) ?? block(a, b);
      blocks.set(key, known);
      return known;
    },
  };
}

function unitList(data: LayerData): string {
  return data.nets.map((n) => `${n.name} ${n.units}`).join(' + ');
}
