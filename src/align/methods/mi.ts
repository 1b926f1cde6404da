// Method `mi`: mutual information between the units of two nets (Li et al. 2016, sec. 3, the
// second similarity besides correlation), from the joint histograms the `mi-histograms` reducer
// counted during the probe; then semi-matching and bipartite matching on it, and how those
// matchings agree with the ones on correlation.
//
// For units a, b with joint counts c_ij over N samples (row sums r_i, column sums s_j), the
// plug-in estimate, in nats:
//     I(a; b) = sum_{ij: c_ij > 0} (c_ij / N) ln(c_ij N / (r_i s_j))
// With `miller-madow`, each entropy in I = H(a) + H(b) - H(a, b) gets the Miller-Madow bias
// correction H_MM = H_plugin + (m - 1) / (2N), m its number of non-empty bins, so that
//     I_MM = I + (m_a + m_b - m_ab - 1) / (2N)
// with m_a, m_b the non-empty bins of each unit and m_ab the non-empty cells of the joint
// histogram (the correction is <= 0 whenever some row of the joint histogram has two non-empty
// cells: plug-in MI is biased upwards). Both come from src/probe/reducers/mi-estimate.ts: here from
// the joint histograms, or, for a layer the probe counted in tiles or from binned columns
// (result.json `tiled` or `columns`), from the per-pair plug-in MI and Miller-Madow terms it
// reduced the counts to (the same values).
//
// Dead units (constant, as decided from the moments) are NaN in the MI matrices and left out of
// the matchings, as for correlation. So are, with `--mi.binning li2016` (the paper's own binning,
// src/probe/reducers/mi-li2016.ts), the units on which the paper's code fails (below 1e-6 on more
// than 99.9% of samples): the table metric_notes and the log name them. Outputs per layer and pair
// of nets A, B:
//   RUN/stats/<layer>/mi.<A>.<B>.npy and mi.<B>.<A>.npy   MI matrices (float64, units x units)
//   table mi_matches   layer, net_a, net_b, unit_a, mi_semi_unit_b, mi_semi, mi_bipartite_unit_b,
//                      mi_bipartite: both directions of every pair, one row per unit of net_a
//   table metrics      layer, net_a, net_b, metric, value: mi_semi (mean MI of the semi-matches,
//                      both directions), mi_bipartite (mean MI of the bipartite matches),
//                      mi_semi_agreement (fraction of units whose semi-matching partner under MI is
//                      the one under correlation, both directions), mi_matching_agreement (the
//                      same for the bipartite matching: of the units matched under both)
//   table metric_notes layer, net_a, net_b, metric (mi), reason: li2016's units left out
import { semiMatch } from '../../kernels/semi-matching/index.js';
import { MI_HISTOGRAMS, miHistogramsReducer, type MiHistogramsJson } from '../../probe/reducers/mi-histograms.js';
import type { ReducerOutput } from '../../probe/reducers/types.js';
import { finiteOrNull, meanOrNull } from './builtin/pair-rows.js';
import { bipartitePartners } from './matching.js';
import { formatShape } from '../../util/shape.js';
import type { Method, MethodContext, MethodOption, MethodResult } from './types.js';
import { reportProgress } from './progress.js';
import { mutualInformation } from '../../probe/reducers/mi-estimate.js';

export { mutualInformation } from '../../probe/reducers/mi-estimate.js';

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** Fraction of the units with a partner under both that have the same one (null when none has). */
function agreement(x: Int32Array, y: Int32Array): number | null {
  let both = 0;
  let same = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0 || y[i] < 0) continue;
    both++;
    if (x[i] === y[i]) same++;
  }
  return both > 0 ? same / both : null;
}

/** The reducer's options the method also takes (so that `convergent run --mi.bins 12` reaches the probe); at align they are checked against the run. */
const probeOptions: Record<string, MethodOption> = Object.fromEntries(
  Object.entries(miHistogramsReducer.options ?? {}).map(([key, spec]) => [
    key,
    {
      type: spec.type,
      // No default here: align takes the value the run was probed with unless one is given.
      describe: `${spec.describe}; a probe setting: \`convergent run\` passes it on to the ${MI_HISTOGRAMS} reducer (whose default is ${String(spec.default)}); ${key === 'max-memory-mb' || key === 'counting' ? 'align ignores it' : 'align checks it against the run'}`,
    },
  ]),
);

function histograms(ctx: MethodContext, output: ReducerOutput | undefined): { json: MiHistogramsJson; arrays: NonNullable<ReducerOutput['arrays']> } {
  const hint = `re-probe with \`convergent probe ... --reducer ${MI_HISTOGRAMS}\` (or use \`convergent run ... --method mi\`)`;
  if (!output || !output.json || !output.arrays) throw new Error(`method mi: run ${ctx.runDir} has no ${MI_HISTOGRAMS} output for layer ${ctx.layer}; ${hint}`);
  const json = output.json as MiHistogramsJson;
  const checks: [string, number | string | undefined][] = [
    ['binning', json.binning ?? 'default'],
    ['bins', json.bins],
    ['zero-threshold', json.zeroThreshold],
    ['reservoir', json.reservoir],
    ['seed', json.seed],
  ];
  for (const [key, probed] of checks) {
    const asked = ctx.options[key];
    if (asked !== undefined && (typeof probed === 'string' ? String(asked) !== probed : Number(asked) !== probed)) {
      throw new Error(`method mi: layer ${ctx.layer} was probed with --${MI_HISTOGRAMS}.${key} ${probed}, not ${String(asked)}; leave out --mi.${key} or ${hint} --${MI_HISTOGRAMS}.${key} ${String(asked)}`);
    }
  }
  if (json.samples !== ctx.samples) throw new Error(`method mi: layer ${ctx.layer}: the histograms count ${json.samples} samples but the moments ${ctx.samples}; ${hint}`);
  return { json, arrays: output.arrays };
}

/**
 * Per net, the units the MI leaves out: dead ones and, with binning li2016, those on which the
 * paper's code fails (result.json li2016Raises).
 */
function leftOutUnits(ctx: MethodContext, json: MiHistogramsJson): { masks: Uint8Array[]; raises: number[][] } {
  const raises = ctx.nets.map((net) => {
    const saved = json.nets.find((n) => n.name === net.name)?.li2016Raises ?? [];
    for (const u of saved) if (!(Number.isInteger(u) && u >= 0 && u < net.units)) throw new Error(`method mi: layer ${ctx.layer}: result.json of ${MI_HISTOGRAMS} names unit ${u} of ${net.name}, which has ${net.units}`);
    return saved;
  });
  const masks = ctx.nets.map((net, k) => {
    const mask = Uint8Array.from(net.stats.dead);
    for (const u of raises[k]) mask[u] = 1;
    return mask;
  });
  return { masks, raises };
}

/** Why li2016 left units of this pair out (null when it left none). */
function li2016Note(names: [string, string], raises: [number[], number[]]): string | null {
  const parts = names.map((name, k) => (raises[k].length > 0 ? `${name} units ${raises[k].join(' ')}` : '')).filter((p) => p !== '');
  if (parts.length === 0) return null;
  return (
    `binning li2016: ${parts.join('; ')} left out of the MI (NaN) and its matchings: below 1e-6 on more than 99.9% of samples, ` +
    "where the paper's percentile_bins asks np.percentile for a percentile above 100 and fails"
  );
}

/** The MI matrix [units a, units b] of one pair of nets: from its joint histograms, or from the per-pair values of a probe that counted in tiles or from binned columns. */
function pairMatrix(ctx: MethodContext, arrays: NonNullable<ReducerOutput['arrays']>, json: MiHistogramsJson, [A, B]: { name: string; units: number }[], bins: number, millerMadow: boolean): Float64Array {
  const named = (key: string, shape: number[]) => {
    const found = arrays[key];
    if (!found) throw new Error(`method mi: layer ${ctx.layer} has no ${key} (${MI_HISTOGRAMS} output of ${A.name} and ${B.name}); re-probe with --reducer ${MI_HISTOGRAMS}`);
    if (!(found.data instanceof Float64Array) || found.shape.length !== shape.length || found.shape.some((v, k) => v !== shape[k])) {
      throw new Error(`method mi: layer ${ctx.layer}: ${key} has shape ${formatShape(found.shape)} of ${found.data.constructor.name}, expected ${formatShape(shape)} of Float64Array`);
    }
    return found.data as Float64Array;
  };
  if (!json.tiled && !json.columns) return mutualInformation(named(`joint.${A.name}.${B.name}`, [A.units, B.units, bins, bins]), A.units, B.units, bins, millerMadow);
  const mi = Float64Array.from(named(`mi.${A.name}.${B.name}`, [A.units, B.units]));
  if (millerMadow) {
    const correction = named(`miller-madow.${A.name}.${B.name}`, [A.units, B.units]);
    for (let p = 0; p < mi.length; p++) mi[p] += correction[p];
  }
  return mi;
}

export const miMethod: Method = {
  name: 'mi',
  description: 'mutual information between units (binned: a zero bin and equal-mass bins), semi-matching and bipartite matching on it, and their agreement with the correlation matchings',
  requires: { reducers: [MI_HISTOGRAMS] },
  options: {
    'miller-madow': { type: 'boolean', default: false, describe: 'add the Miller-Madow bias correction (m_a + m_b - m_ab - 1) / (2N) to the plug-in estimate (nats)' },
    ...probeOptions,
  },
  async run(ctx): Promise<MethodResult> {
    const { json, arrays } = histograms(ctx, await ctx.reducerOutput?.(MI_HISTOGRAMS));
    const millerMadow = ctx.options['miller-madow'] === true || ctx.options['miller-madow'] === 'true';
    const bins = json.bins;
    const out: NonNullable<MethodResult['arrays']> = {};
    const matches = {
      layer: [] as string[], net_a: [] as string[], net_b: [] as string[], unit_a: [] as number[],
      mi_semi_unit_b: [] as (number | null)[], mi_semi: [] as (number | null)[], mi_bipartite_unit_b: [] as (number | null)[], mi_bipartite: [] as (number | null)[],
    };
    const metrics = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], metric: [] as string[], value: [] as (number | null)[] };
    const notes = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], metric: [] as string[], reason: [] as string[] };
    const { masks, raises } = leftOutUnits(ctx, json);
    const metric = (a: string, b: string, name: string, value: number | null) => {
      metrics.layer.push(ctx.layer);
      metrics.net_a.push(a);
      metrics.net_b.push(b);
      metrics.metric.push(name);
      metrics.value.push(value);
    };
    for (const [done, [ia, ib]] of ctx.pairs.entries()) {
      await reportProgress(ctx, done, ctx.pairs.length, 'pairs');
      const A = ctx.nets[ia];
      const B = ctx.nets[ib];
      const [outA, outB] = [masks[ia], masks[ib]];
      const note = li2016Note([A.name, B.name], [raises[ia], raises[ib]]);
      if (note) {
        notes.layer.push(ctx.layer);
        notes.net_a.push(A.name);
        notes.net_b.push(B.name);
        notes.metric.push('mi');
        notes.reason.push(note);
        ctx.log(`${ctx.layer} ${A.name}/${B.name} mi: ${note}`);
      }
      const mi = pairMatrix(ctx, arrays, json, [A, B], bins, millerMadow);
      for (let i = 0; i < A.units; i++) {
        for (let j = 0; j < B.units; j++) if (outA[i] || outB[j]) mi[i * B.units + j] = NaN;
      }
      const miT = transpose(mi, A.units, B.units);
      out[`mi.${A.name}.${B.name}`] = { data: mi, shape: [A.units, B.units] };
      out[`mi.${B.name}.${A.name}`] = { data: miT, shape: [B.units, A.units] };

      const corr = ctx.correlation(ia, ib);
      const [semiMi, semiCorr] = await Promise.all([semiMatch(mi, A.units, B.units), semiMatch(corr, A.units, B.units)]);
      const bipMi = await bipartitePartners(mi, A.units, B.units, outA, outB);
      const bipCorr = await bipartitePartners(corr, A.units, B.units, A.stats.dead, B.stats.dead);

      const directions = [
        { from: A, to: B, out: outA, sim: mi, semi: semiMi.rowPartner, semiValue: semiMi.rowValue, bip: bipMi.ofA, semiCorr: semiCorr.rowPartner },
        { from: B, to: A, out: outB, sim: miT, semi: semiMi.colPartner, semiValue: semiMi.colValue, bip: bipMi.ofB, semiCorr: semiCorr.colPartner },
      ];
      for (const d of directions) {
        const bipValues: number[] = [];
        for (let i = 0; i < d.from.units; i++) {
          const live = !d.out[i];
          const s = live ? d.semi[i] : -1;
          const b = live ? d.bip[i] : -1;
          matches.layer.push(ctx.layer);
          matches.net_a.push(d.from.name);
          matches.net_b.push(d.to.name);
          matches.unit_a.push(i);
          matches.mi_semi_unit_b.push(s >= 0 ? s : null);
          matches.mi_semi.push(s >= 0 ? finiteOrNull(d.semiValue[i]) : null);
          matches.mi_bipartite_unit_b.push(b >= 0 ? b : null);
          matches.mi_bipartite.push(b >= 0 ? finiteOrNull(d.sim[i * d.to.units + b]) : null);
          if (b >= 0) bipValues.push(d.sim[i * d.to.units + b]);
        }
        const semiValues = Array.from(d.semi, (p, i) => (p >= 0 && !d.out[i] ? d.semiValue[i] : NaN));
        metric(d.from.name, d.to.name, 'mi_semi', meanOrNull(semiValues));
        if (d.from === A) metric(A.name, B.name, 'mi_bipartite', meanOrNull(bipValues));
        metric(d.from.name, d.to.name, 'mi_semi_agreement', agreement(d.semi, d.semiCorr));
      }
      metric(A.name, B.name, 'mi_matching_agreement', agreement(bipMi.ofA, bipCorr.ofA));
    }
    await reportProgress(ctx, ctx.pairs.length, ctx.pairs.length, 'pairs');
    const tables: NonNullable<MethodResult['tables']> = { mi_matches: ctx.table(matches), metrics: ctx.table(metrics) };
    if (notes.layer.length > 0) tables.metric_notes = ctx.table(notes);
    return { tables, arrays: out };
  },
};
