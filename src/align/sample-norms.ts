// The align side of reducer sample-norms (src/probe/reducers/sample-norms.ts): reading its output
// for a layer, and moving its sums about the moments' shift to the final mean, where the
// unbiased HSIC wants them (src/align/math/hsic.ts).
//
// Q_ab = sum_i ||x~_i^a||^2 ||x~_i^b||^2, with x~_i = x_i - mean = z_i - d, z_i = x_i - shift and
// d = mean - shift (per unit; d_a, d_b the entries of blocks a and b). Per sample,
//   ||x~_i^a||^2 = p_i^a - 2 d_a.z_i^a + |d_a|^2
// and multiplying out the product of two such factors and summing over i, with
//   sum_i p_i^a p_i^b = S_pq[a][b]         sum_i p_i^k = S_p[k]
//   sum_i p_i^a z_i = W[a] (its block-b entries W[a]_b)
//   sum_i z_i = n d                         sum_i z_i^a z_i^b' = R_ab = m2_ab + n d_a d_b'
// gives
//   Q_ab = S_pq[a][b] - 2 d_b.W[a]_b - 2 d_a.W[b]_a + |d_b|^2 S_p[a] + |d_a|^2 S_p[b]
//          + 4 d_a' R_ab d_b - 2 |d_b|^2 d_a.(n d_a) - 2 |d_a|^2 d_b.(n d_b) + n |d_a|^2 |d_b|^2
// where the last four terms are 4 d_a' m2_ab d_b + n |d_a|^2 |d_b|^2 (4n - 2n - 2n + n). For one
// unit (a = b) it is the binomial expansion of sum_i (z_i - d)^4. The same holds for a = b.
// d is the gap between the first batch's mean and the whole probe's, so the terms are of the
// size of the sums themselves: no cancellation of large numbers.
import type { BatchMoments } from '../kernels/moments/contract.js';
import { SAMPLE_NORMS, blocksOfSizes, type SampleNormArrays, type SampleNormsJson } from '../probe/reducers/sample-norms.js';
import type { ReducerOutput } from '../probe/reducers/types.js';
import { formatShape } from '../util/shape.js';
import type { LayerData } from './methods/types.js';

/** Sample-norm sums with their partition of the units into blocks (a SampleNormSums state is one). */
export interface SampleNormsView extends SampleNormArrays {
  blockOf: Int32Array;
  blocks: number;
}

/**
 * Q_ab = sum_i ||x~_i^a||^2 ||x~_i^b||^2 about the final mean (`moments.mean`; `moments.m2` the
 * co-moment sums over the same D stacked units as the sums), for blocks a and b (a = b allowed).
 */
export function normProductFromSums(sums: SampleNormsView, moments: BatchMoments, a: number, b: number): number {
  const D = sums.blockOf.length;
  const K = sums.blocks;
  if (moments.d !== D) throw new Error(`sample norms: the sums are over ${D} units, the moments over ${moments.d}`);
  if (moments.n !== sums.n) throw new Error(`sample norms: the sums are over ${sums.n} samples, the moments over ${moments.n}`);
  for (const k of [a, b]) if (!(Number.isInteger(k) && k >= 0 && k < K)) throw new Error(`sample norms: no block ${k} of ${K}`);
  const n = sums.n;
  if (n === 0) return 0;
  if (!sums.shift) throw new Error(`sample norms: sums of ${n} samples without their shift`);
  const unitsA: number[] = [];
  const unitsB: number[] = [];
  sums.blockOf.forEach((k, u) => {
    if (k === a) unitsA.push(u);
    if (k === b) unitsB.push(u);
  });
  const d = new Float64Array(D);
  for (const u of [...unitsA, ...unitsB]) d[u] = moments.mean[u] - sums.shift[u];
  const sq = (units: number[]) => units.reduce((s, u) => s + d[u] * d[u], 0);
  /** d_k.W[row]_k: block k's entries of the weighted sums of block `row`. */
  const dw = (row: number, units: number[]) => units.reduce((s, u) => s + d[u] * sums.weighted[row * D + u], 0);
  let dm2d = 0;
  for (const u of unitsA) {
    let rowSum = 0;
    for (const v of unitsB) rowSum += moments.m2[u * D + v] * d[v];
    dm2d += d[u] * rowSum;
  }
  const da2 = sq(unitsA);
  const db2 = sq(unitsB);
  return (
    sums.products[a * K + b] - 2 * dw(a, unitsB) - 2 * dw(b, unitsA) + db2 * sums.sums[a] + da2 * sums.sums[b] + 4 * dm2d + n * da2 * db2
  );
}

/**
 * The sums reducer sample-norms left for this layer, its blocks the layer's nets, refusing output
 * of other nets, samples or shapes than the moments' (naming both).
 */
export function sampleNormsOfLayer(data: LayerData, output: ReducerOutput | undefined, runDir: string, method: string): SampleNormsView {
  const where = `method ${method}: layer ${data.layer}`;
  const hint = `re-probe with the reducer (\`convergent run\` adds it for --method ${method}; \`convergent probe --reducer ${SAMPLE_NORMS}\`)`;
  if (!output?.json || !output.arrays) throw new Error(`${where}: run ${runDir} has no ${SAMPLE_NORMS} output; ${hint}`);
  const json = output.json as SampleNormsJson;
  const mine = data.nets.map((n) => `${n.name} (${n.units})`).join(', ');
  const theirs = Array.isArray(json.nets) ? json.nets.map((n) => `${n.name} (${n.units})`).join(', ') : String(json.nets);
  if (theirs !== mine) throw new Error(`${where}: the ${SAMPLE_NORMS} sums are of the nets ${theirs}, the moments of ${mine}; ${hint}`);
  if (json.samples !== data.samples) throw new Error(`${where}: the ${SAMPLE_NORMS} sums are over ${json.samples} samples, the moments over ${data.samples}; ${hint}`);
  let offset = 0;
  for (const net of data.nets) {
    if (net.offset !== offset) throw new Error(`${where}: net ${net.name} starts at unit ${net.offset} of the moments, expected ${offset} (nets stacked in order)`);
    offset += net.units;
  }
  const K = data.nets.length;
  const D = offset;
  const array = (key: string, shape: number[]): Float64Array => {
    const a = output.arrays![key];
    if (!a) throw new Error(`${where}: the ${SAMPLE_NORMS} output has no ${key}.npy; ${hint}`);
    if (formatShape(a.shape) !== formatShape(shape) || !(a.data instanceof Float64Array)) {
      throw new Error(`${where}: ${SAMPLE_NORMS}/${key}.npy is ${a.data.constructor.name} of shape ${formatShape(a.shape)}, expected float64 of shape ${formatShape(shape)}`);
    }
    return a.data;
  };
  return {
    n: json.samples,
    shift: array('shift', [D]),
    products: array('products', [K, K]),
    sums: array('sums', [K]),
    weighted: array('weighted', [K, D]),
    blockOf: blocksOfSizes(data.nets.map((n) => n.units)),
    blocks: K,
  };
}
