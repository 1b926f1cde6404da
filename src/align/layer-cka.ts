// Method `layer-cka`: linear CKA, biased and debiased, between every (net, layer) block and every
// other and itself, from the state the probe kept over every layer at once (src/probe/layer-cka/:
// the joint moments of the per-image pooled features and their norm sums, in RUN/layer-cka/).
//
// A run-level method: it compares layers with each other, so align runs it once, after the
// per-layer methods (src/align/align.ts), and it writes one table, `layer_cka`:
//   net_a, layer_a, net_b, layer_b, features_a, features_b, linear_cka, linear_cka_debiased
// one row per pair of blocks with net_a at or before net_b in the order the nets were given
// (every layer pair, both orders, within a net): net B x net A is the transpose of net A x net B.
//
// Biased: linearCka (src/align/math/cka.ts) on the co-moment blocks. Debiased: the unbiased HSIC
// (src/align/math/hsic.ts) from the co-moments and the per-image norm products about the final
// mean (normProductFromSums, src/align/sample-norms.ts). A block with itself is exactly 1 in both
// (null when the block has no variance). The samples are the images: features of a conv layer
// are averages over its positions (or over a grid of cells), never single positions.
import { join } from '../platform/node-path.js';
import type { BatchMoments } from '../kernels/moments/contract.js';
import { runPaths } from '../run-dir/layout.js';
import { normsFromSnapshot, type LayerCkaRecord } from '../probe/layer-cka/accumulator.js';
import { layerCkaSettings, type LayerCkaBlock } from '../probe/layer-cka/blocks.js';
import { LAYER_CKA, layerCkaReducer } from '../probe/layer-cka/reducer.js';
import { blocksOfSizes } from '../probe/reducers/sample-norms.js';
import { diskStateReader, readReducerSnapshot, type StateReader } from '../probe/snapshot-io.js';
import { tableFromColumns } from '../tables/arquero.js';
import type { Table } from '../tables/types.js';
import { linearCka } from './math/cka.js';
import { unitStats } from './unit-stats.js';
import { debiasedCka, unbiasedHsic } from './math/hsic.js';
import { normProductFromSums, type SampleNormsView } from './sample-norms.js';
import type { Method, MethodOption } from './methods/types.js';

export const LAYER_CKA_TABLE = 'layer_cka';

/** The reducer's options the method also takes (`convergent run --layer-cka.pool 2x2` reaches the probe); align checks pool against the run. */
const probeOptions: Record<string, MethodOption> = Object.fromEntries(
  Object.entries(layerCkaReducer.options ?? {}).map(([key, spec]) => [
    key,
    { type: spec.type, describe: `${spec.describe}; a probe setting (default ${String(spec.default)}): \`convergent run\` passes it on to the probe; ${key === 'pool' ? 'align checks it against the run' : 'align ignores it'}` },
  ]),
);

export const layerCkaMethod: Method = {
  name: LAYER_CKA,
  description: 'linear CKA, biased and debiased, between every layer of every net and every layer of every net (itself included), from per-image pooled features (table layer_cka; ONNX probes)',
  options: probeOptions,
  requires: { reducers: [LAYER_CKA] },
  checkOptions: (options) => void layerCkaSettings(options),
  // Run-level: align calls layerCkaTable once after the per-layer methods; per layer it has nothing to do.
  run: () => ({}),
};

/** What the probe left in RUN/layer-cka/, checked for consistency. */
export interface LayerCkaState {
  record: LayerCkaRecord;
  moments: BatchMoments;
  norms: SampleNormsView;
}

/** RUN/layer-cka/ read from disk, or `from` a run in memory (the web page's study). */
export async function readLayerCkaState(run: string, from: StateReader = diskStateReader): Promise<LayerCkaState> {
  const dir = runPaths.layerCkaDir(run);
  const hint = `re-probe with \`convergent run ... --method ${LAYER_CKA}\` (or \`convergent probe ... --reducer ${LAYER_CKA}\`) on ONNX nets`;
  let record: LayerCkaRecord;
  try {
    record = JSON.parse(await from.text(join(dir, 'blocks.json'))) as LayerCkaRecord;
  } catch (e) {
    throw new Error(`method ${LAYER_CKA}: run ${run} has no readable ${join(dir, 'blocks.json')} (${(e as Error).message}); ${hint}`);
  }
  const d = record.features;
  const mean = await from.npy(join(dir, 'mean.npy'));
  const m2 = await from.npy(join(dir, 'm2.npy'));
  if (mean.shape.join() !== String(d) || m2.shape.join() !== `${d},${d}`) {
    throw new Error(`method ${LAYER_CKA}: ${dir}: mean.npy has shape [${mean.shape}] and m2.npy [${m2.shape}], expected [${d}] and [${d}, ${d}] (blocks.json: ${d} features); ${hint}`);
  }
  const sizes = record.blocks.map((b) => b.features);
  if (sizes.reduce((a, b) => a + b, 0) !== d) throw new Error(`method ${LAYER_CKA}: ${dir}/blocks.json: its blocks hold ${sizes.reduce((a, b) => a + b, 0)} features, not ${d}`);
  const norms = normsFromSnapshot(await readReducerSnapshot(join(dir, 'norms'), from), `${dir}/norms`);
  if (norms.n !== record.samples) throw new Error(`method ${LAYER_CKA}: ${dir}: the norm sums are over ${norms.n} images, the moments over ${record.samples}; ${hint}`);
  return {
    record,
    moments: { n: record.samples, d, mean: Float64Array.from(mean.data), m2: m2.data instanceof Float64Array ? m2.data : Float64Array.from(m2.data) },
    norms: { ...norms, blockOf: blocksOfSizes(sizes), blocks: sizes.length },
  };
}

/** Rows [rowStart, rowStart + rows) x columns [colStart, colStart + cols) of a d x d matrix, row-major. */
function subBlock(m: Float64Array, d: number, rowStart: number, rows: number, colStart: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(m.subarray((rowStart + i) * d + colStart, (rowStart + i) * d + colStart + cols), i * cols);
  return out;
}

function frobeniusSq(m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return s;
}

/** The layer_cka table of a run (see the top of this file); `pool`, when given, must be the one the run was probed with. */
export async function layerCkaTable(run: string, options: { pool?: unknown; log?: (message: string) => void; from?: StateReader } = {}): Promise<Table> {
  const log = options.log ?? (() => {});
  const state = await readLayerCkaState(run, options.from);
  const { record } = state;
  if (options.pool !== undefined && String(options.pool) !== record.pool) {
    throw new Error(`method ${LAYER_CKA}: run ${run} was probed with --${LAYER_CKA}.pool ${record.pool}, not ${String(options.pool)}; leave out --${LAYER_CKA}.pool or re-probe with it`);
  }
  return layerCkaFromState(state, log);
}

/** The layer_cka table from the probe's state (read by readLayerCkaState, or built by hand in tests). */
export function layerCkaFromState(state: LayerCkaState, log: (message: string) => void = () => {}): Table {
  const { record, moments, norms } = state;
  const blocks = record.blocks;
  const d = moments.d;
  const n = moments.n;
  const diag = blocks.map((b) => subBlock(moments.m2, d, b.offset, b.features, b.offset, b.features));
  const trace = blocks.map((b) => {
    let t = 0;
    for (let i = 0; i < b.features; i++) t += moments.m2[(b.offset + i) * d + b.offset + i];
    return t;
  });
  const hsic = (a: number, b: number, crossSq: number) => unbiasedHsic({ n, crossSq, traceA: trace[a], traceB: trace[b], normProduct: normProductFromSums(norms, moments, a, b) });
  const self = blocks.map((_, a) => hsic(a, a, frobeniusSq(diag[a])));
  // A block whose every feature is constant (the dead-unit rule at float32, the activations' precision) has nothing to compare.
  const live = blocks.map((b) => unitStats(moments, b.offset, b.features, 'float32').dead.some((dead) => !dead));
  const columns = {
    net_a: [] as string[],
    layer_a: [] as string[],
    net_b: [] as string[],
    layer_b: [] as string[],
    features_a: [] as number[],
    features_b: [] as number[],
    linear_cka: [] as (number | null)[],
    linear_cka_debiased: [] as (number | null)[],
  };
  const reasons = new Set<string>();
  const netOrder = [...new Set(blocks.map((b) => b.net))];
  for (let a = 0; a < blocks.length; a++) {
    for (let b = 0; b < blocks.length; b++) {
      const A: LayerCkaBlock = blocks[a];
      const B: LayerCkaBlock = blocks[b];
      if (netOrder.indexOf(A.net) > netOrder.indexOf(B.net)) continue;
      let biased: number | null;
      let debiased: number | null;
      if (!live[a] || !live[b]) {
        biased = null;
        debiased = null;
        for (const X of [A, B]) if (!live[blocks.indexOf(X)]) reasons.add(`net ${X.net}, layer ${X.layer}: every pooled feature is constant over the images`);
      } else if (a === b) {
        // Exactly 1 by definition where defined (the computed ratio may differ from 1 in the last bit).
        biased = linearCka(diag[a], diag[a], diag[a], A.features, A.features) === null ? null : 1;
        const h = self[a];
        const r = h.value === null ? h : debiasedCka(h.value, h.value, h.value);
        debiased = r.value;
        if (r.reason) reasons.add(`net ${A.net}, layer ${A.layer}: ${r.reason}`);
      } else {
        const cross = subBlock(moments.m2, d, A.offset, A.features, B.offset, B.features);
        biased = linearCka(cross, diag[a], diag[b], A.features, B.features);
        const hab = hsic(a, b, frobeniusSq(cross));
        const ha = self[a];
        const hb = self[b];
        const r = hab.value === null ? hab : ha.value === null ? ha : hb.value === null ? hb : debiasedCka(hab.value, ha.value, hb.value);
        debiased = r.value;
        if (r.reason) reasons.add(`net ${A.net}, layer ${A.layer} x net ${B.net}, layer ${B.layer}: ${r.reason}`);
      }
      columns.net_a.push(A.net);
      columns.layer_a.push(A.layer);
      columns.net_b.push(B.net);
      columns.layer_b.push(B.layer);
      columns.features_a.push(A.features);
      columns.features_b.push(B.features);
      columns.linear_cka.push(biased);
      columns.linear_cka_debiased.push(debiased);
    }
  }
  for (const reason of [...reasons].slice(0, 5)) log(`left empty: ${reason}`);
  if (reasons.size > 5) log(`left empty for ${reasons.size - 5} more blocks or pairs`);
  return tableFromColumns(columns);
}
