// Method `sparse-prediction` (Li et al., "Convergent Learning", ICLR 2016, sec. 4: relaxing the
// one-to-one constraint to few-to-one mappings): every live unit of one net predicted from all
// live units of the other by LASSO regression, over a path of L1 penalties, in both directions of
// every pair, from the probe's moments alone (no second pass over the activations).
//
// For target unit y of net `to` and the live units X of net `from`, with standardized units (the
// default) each penalty alpha solves
//
//   min_w (1 / 2n) ||y - X w||^2 + alpha ||w||_1   =   1/2 w'Cw - c'w + 1/2 + alpha ||w||_1,
//
// C = corr(X, X), c = corr(X, y): scikit-learn's Lasso on standardized data with an intercept, so
// the weights compare with it. Alpha 0 is the dense least-squares map (when C is singular, i.e.
// some live units of `from` are combinations of others, it uses a maximal independent subset
// chosen by pivoted Cholesky and gives the rest weight 0; the log says so; no ridge is added). The
// loss of a target is 1 - R^2 on the probe data, exact from the moments for the fitted w:
// 1 - R^2 = 1 - 2c'w + w'Cw. Dead units are neither predictors nor targets. With
// `--sparse-prediction.standardize false` the problem uses raw covariances instead (alpha then
// penalises weights in the units' own scales); losses are still 1 - R^2.
//
// Solver: src/kernels/lasso (coordinate descent in WASM SIMD along the path, certified by its
// duality gap: a target whose relative gap exceeds `tol` after `max-iter` sweeps is reported in
// the log), slices of targets on `--sparse-prediction.threads` worker threads (default every
// core; src/align/methods/lasso-in-slices.ts). At 384 x 384 units a direction takes seconds; at
// fc6's 4,096 x 4,096 (issue 15, tol 1e-4, one thread, load 3-9) 0.25-1.5 s per target with
// 300 samples (singular C; 3-10 s before the solver's working sets) and 13-32 s with 5,000 (32-75
// s before: the complement-mode Newton solves no longer read all of G^-1 each time), divided by
// the worker threads; plus G^-1 once per direction (WASM, O(d^3): minutes at 4,096). A direction
// expected to take over 10 s is announced in the log with an estimate
// (./sparse-prediction-cost.ts) before it starts.
//
// Tables:
//   sparse_prediction        layer, net_from, net_to, alpha, loss, mean_nonzeros: per direction
//                            and penalty, the mean over live target units of 1 - R^2 and of the
//                            number of non-zero weights (null when `to` has no live unit);
//   sparse_prediction_units  layer, net_from, net_to, alpha, unit, loss, nonzeros: per live
//                            target unit (its index in `to`);
//   metrics                  layer, net_a, net_b, metric, value (net_a, net_b in pair order), the
//                            one-to-one predictors to compare with, each the mean over the live
//                            units of the target net of 1 - R^2 (null when it has none):
//     prediction_loss_semi_b_from_a       each unit of B predicted by its semi-matching partner
//                                         in A alone (the live unit of A most correlated with it,
//                                         as method `semi` picks it): 1 - r^2;
//     prediction_loss_bipartite_b_from_a  each unit of B predicted by its bipartite partner alone
//                                         (the assignment of live units maximising the total
//                                         correlation, as method `bipartite`): 1 - r^2, and 1 for
//                                         a unit left unmatched (more live units in B than in A);
//     prediction_loss_dense_b_from_a      the least-squares map from all live units of A (alpha 0);
//     and the same three with _a_from_b.
//   metric_notes             why a value is null. With no more samples than the rank of `from`
//                            plus one, the least-squares map fits every sample exactly whatever
//                            the data (src/align/undetermined.ts): the alpha-0 losses and the
//                            dense metric are then null, with this reason.
//   A single predictor's least-squares fit with intercept explains exactly r^2, so the first two
//   are the losses of the best one-to-one linear maps with those pairings.
//
// Arrays (written by align as RUN/stats/<layer>/<key>.npy), unless `--sparse-prediction.weights
// false`: `sparse_prediction.w.<from>.<to>.alpha<k>`, float64 of shape (units of from, units of
// to), the weights at the k-th penalty of the `alphas` option (0-based, in the order given); rows
// of dead predictors and columns of dead targets are 0. Net names are made file-safe (characters
// other than letters, digits, '.', '_', '-' become '_').
import type { Table } from '../../tables/types.js';
import { lassoProblemFromMoments, type LassoPathResult } from '../../kernels/lasso/index.js';
import { lassoPathInSlices } from './lasso-in-slices.js';
import { lassoCostNote } from './sparse-prediction-cost.js';
import { hardwareConcurrency } from '../../platform/workers.js';
import { plural } from '../../util/plural.js';
import { semiMatching } from '../../kernels/semi-matching/reference.js';
import { regressionUndetermined } from '../undetermined.js';
import { bipartitePartners, liveIndices } from './matching.js';
import { MetricRows } from './metrics/common.js';
import { booleanOption, numberOption } from './option-values.js';
import type { Method, MethodContext, MethodResult, NetLayer } from './types.js';

export const DEFAULT_ALPHAS = [0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

type Weights = { data: Float64Array; shape: number[] };

/** The `alphas` option: a comma- or space-separated string, a number, or a list of them. */
export function parseAlphas(value: unknown): number[] {
  const parts: unknown[] = Array.isArray(value) ? value : [value];
  const out: number[] = [];
  for (const part of parts) {
    const pieces = typeof part === 'string' ? part.split(/[\s,]+/).filter((s) => s.length > 0) : [part];
    for (const piece of pieces) {
      const x = typeof piece === 'number' ? piece : typeof piece === 'string' ? Number(piece) : NaN;
      if (!Number.isFinite(x) || x < 0) throw new Error(`sparse-prediction: option alphas must be non-negative numbers, got "${String(piece)}"`);
      out.push(x);
    }
  }
  if (out.length === 0) throw new Error('sparse-prediction: option alphas is empty');
  if (new Set(out).size !== out.length) throw new Error(`sparse-prediction: option alphas has a repeated value (${out.join(', ')})`);
  return out;
}


function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** 1 - R^2 from the residual, never below 0 (rounding) and never NaN. */
function lossOf(residual: number, v: number): number {
  const x = residual / v;
  return x > 0 ? x : 0;
}

/** sparse-prediction's options, parsed and checked: run() and checkOptions() read them the same way. */
function sparsePredictionOptions(options: Record<string, unknown>) {
  return {
    alphas: parseAlphas(options.alphas ?? DEFAULT_ALPHAS.join(',')),
    tol: numberOption(options, 'sparse-prediction', 'tol', 'a positive number', (x) => x > 0, 1e-8),
    maxIter: numberOption(options, 'sparse-prediction', 'max-iter', 'a positive integer', (x) => Number.isInteger(x) && x >= 1, 10000),
    standardize: booleanOption(options, 'sparse-prediction', 'standardize', true),
    saveWeights: booleanOption(options, 'sparse-prediction', 'weights', true),
    threads: numberOption(options, 'sparse-prediction', 'threads', 'a non-negative integer', (x) => Number.isInteger(x) && x >= 0, 0),
  };
}

export const sparsePredictionMethod: Method = {
  name: 'sparse-prediction',
  description: 'LASSO prediction of each unit from all units of the other net, both ways, over a path of L1 penalties (Li et al. sec. 4)',
  options: {
    alphas: { type: 'string', default: DEFAULT_ALPHAS.join(','), describe: 'L1 penalties, comma-separated (0: the dense least-squares map)' },
    tol: { type: 'number', default: 1e-8, describe: 'relative duality-gap tolerance of each LASSO solution' },
    'max-iter': { type: 'number', default: 10000, describe: 'maximum coordinate-descent sweeps per unit and penalty' },
    standardize: { type: 'boolean', default: true, describe: 'regress standardized units (correlations); false: raw covariances' },
    weights: { type: 'boolean', default: true, describe: 'save the weight matrices (RUN/stats/<layer>/sparse_prediction.w.<from>.<to>.alpha<k>.npy)' },
    threads: { type: 'number', default: 0, describe: 'worker threads solving slices of targets at once (Node); 0: every logical core' },
  },
  checkOptions: (options) => void sparsePredictionOptions(options),
  async run(ctx: MethodContext): Promise<MethodResult> {
    const { alphas, tol, maxIter, standardize, saveWeights, threads } = sparsePredictionOptions(ctx.options);
    const threadCount = threads || (await hardwareConcurrency());
    const zeroAt = alphas.indexOf(0);

    const summary = { layer: [] as string[], net_from: [] as string[], net_to: [] as string[], alpha: [] as number[], loss: [] as (number | null)[], mean_nonzeros: [] as (number | null)[] };
    const units = { layer: [] as string[], net_from: [] as string[], net_to: [] as string[], alpha: [] as number[], unit: [] as number[], loss: [] as (number | null)[], nonzeros: [] as number[] };
    const metrics = new MetricRows(ctx);
    const arrays: Record<string, Weights> = {};

    const metric = (a: NetLayer, b: NetLayer, name: string, value: number | null, reason?: string) => metrics.add(a.name, b.name, name, value, reason);

    // Progress over every target unit of every pair and direction (fc1: minutes).
    const totalTargets = ctx.pairs.reduce((sum, [a, b]) => sum + liveIndices(ctx.nets[a].stats.dead).length + liveIndices(ctx.nets[b].stats.dead).length, 0);
    let targetsDone = 0;
    const progress = ctx.progress ? (done: number) => ctx.progress!(targetsDone + done, totalTargets, 'units') : undefined;

    for (const [ia, ib] of ctx.pairs) {
      const netA = ctx.nets[ia];
      const netB = ctx.nets[ib];
      const liveA = liveIndices(netA.stats.dead);
      const liveB = liveIndices(netB.stats.dead);
      const corr = ctx.correlation(ia, ib); // units of A x units of B, NaN for dead units

      // One-to-one predictors: semi-matching partners (both ways) and the bipartite assignment.
      const semi = semiMatching(corr, netA.units, netB.units);
      const bipartite = await bipartitePartners(corr, netA.units, netB.units, netA.stats.dead, netB.stats.dead);

      for (const [from, to, liveFrom, liveTo, suffix] of [
        [netA, netB, liveA, liveB, 'b_from_a'],
        [netB, netA, liveB, liveA, 'a_from_b'],
      ] as const) {
        const started = performance.now();
        const problem = lassoProblemFromMoments(
          ctx.moments,
          liveFrom.map((i) => from.offset + i),
          liveTo.map((i) => to.offset + i),
          standardize,
        );
        const d = problem.d;
        const t = problem.t;
        const note = lassoCostNote(`${ctx.layer} ${to.name} from ${from.name}`, d, t, ctx.samples, alphas.length, Math.min(threadCount, Math.max(1, Math.ceil(t / 32))));
        if (note) ctx.log(note);
        const path: LassoPathResult = await lassoPathInSlices(problem, zeroAt >= 0 ? alphas : [...alphas, 0], { tol, maxIter, threads: threadCount }, progress);
        targetsDone += t;
        const zero = zeroAt >= 0 ? zeroAt : alphas.length;
        reportPath(ctx, from, to, path, d, problem.targetVar, tol, alphas.length);
        // Too few samples: the dense map (alpha 0) interpolates every sample, loss 0 whatever the data.
        const denseUndetermined = regressionUndetermined(ctx.samples, path.rank ?? d, from.name);

        for (let k = 0; k < alphas.length; k++) {
          const coef = path.coef[k];
          const losses: number[] = [];
          const counts: number[] = [];
          for (let j = 0; j < t; j++) {
            let nz = 0;
            for (let i = 0; i < d; i++) if (coef[i * t + j] !== 0) nz++;
            const loss = alphas[k] === 0 && denseUndetermined ? null : lossOf(path.residual[k][j], problem.targetVar[j]);
            if (loss !== null) losses.push(loss);
            counts.push(nz);
            units.layer.push(ctx.layer);
            units.net_from.push(from.name);
            units.net_to.push(to.name);
            units.alpha.push(alphas[k]);
            units.unit.push(liveTo[j]);
            units.loss.push(loss);
            units.nonzeros.push(nz);
          }
          summary.layer.push(ctx.layer);
          summary.net_from.push(from.name);
          summary.net_to.push(to.name);
          summary.alpha.push(alphas[k]);
          summary.loss.push(mean(losses)); // null when the alpha-0 fit is undetermined
          summary.mean_nonzeros.push(mean(counts));
          if (saveWeights) {
            const w = new Float64Array(from.units * to.units);
            for (let i = 0; i < d; i++) for (let j = 0; j < t; j++) w[liveFrom[i] * to.units + liveTo[j]] = coef[i * t + j];
            arrays[`sparse_prediction.w.${fileSafe(from.name)}.${fileSafe(to.name)}.alpha${k}`] = { data: w, shape: [from.units, to.units] };
          }
        }

        // The one-to-one comparisons, over the live units of `to`.
        const fromIsA = from === netA;
        const semiLoss: number[] = [];
        const bipLoss: number[] = [];
        for (const u of liveTo) {
          const r = fromIsA ? semi.colValue[u] : semi.rowValue[u];
          semiLoss.push(Number.isFinite(r) ? 1 - r * r : 1);
          const p = fromIsA ? bipartite.ofB[u] : bipartite.ofA[u];
          const rb = p < 0 ? NaN : fromIsA ? corr[p * netB.units + u] : corr[u * netB.units + p];
          bipLoss.push(Number.isFinite(rb) ? 1 - rb * rb : 1);
        }
        const dense: number[] = [];
        for (let j = 0; j < t; j++) dense.push(lossOf(path.residual[zero][j], problem.targetVar[j]));
        metric(netA, netB, `prediction_loss_semi_${suffix}`, mean(semiLoss), `${to.name} has no live units`);
        metric(netA, netB, `prediction_loss_bipartite_${suffix}`, mean(bipLoss), `${to.name} has no live units`);
        metric(netA, netB, `prediction_loss_dense_${suffix}`, denseUndetermined ? null : mean(dense), denseUndetermined ?? `${to.name} has no live units`);
        ctx.log(`${ctx.layer} ${to.name} from ${from.name}: ${plural(t, 'target')} x ${plural(d, 'predictor')} x ${plural(alphas.length, 'penalty', 'penalties')} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
      }
    }

    const tables: Record<string, Table> = {
      sparse_prediction: ctx.table(summary),
      sparse_prediction_units: ctx.table(units),
      ...metrics.tables(),
    };
    return saveWeights ? { tables, arrays } : { tables };
  },
};

/** Logs what a reader of the tables should know: unconverged solutions, a singular C. */
function reportPath(ctx: MethodContext, from: NetLayer, to: NetLayer, path: LassoPathResult, d: number, targetVar: Float64Array, tol: number, shown: number): void {
  if (!path.converged) {
    let bad = 0;
    let worst = 0;
    for (let k = 0; k < shown; k++) {
      for (let j = 0; j < targetVar.length; j++) {
        const rel = path.gap[k][j] / targetVar[j];
        if (!(rel <= tol)) {
          bad++;
          worst = Math.max(worst, rel);
        }
      }
    }
    if (bad > 0) ctx.log(`${ctx.layer} ${to.name} from ${from.name}: ${plural(bad, 'solution')} not within tol ${tol} (largest relative duality gap ${worst.toExponential(2)}); raise --sparse-prediction.max-iter`);
  }
  if (path.rank !== null && path.rank < d) {
    ctx.log(`${ctx.layer} ${to.name} from ${from.name}: the correlation matrix of ${from.name}'s ${d} live units is singular (rank ${path.rank}); the least-squares map (alpha 0) uses ${path.rank} of them, chosen by pivoted Cholesky, and gives the others weight 0`);
  }
}
