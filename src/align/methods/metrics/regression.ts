// Method `regression`: least-squares R^2 of predicting each net from the other; see
// src/align/math/regression.ts. Metrics, for the pair (a, b):
//   r2_b_from_a       tr(Sba Saa^+ Sab) / tr(Sbb): the multi-output R^2 in B's own units
//                     (1 - total residual variance / total variance of B; variance-weighted)
//   mean_r2_b_from_a  mean over B's live units of each unit's R^2 (= R^2 on standardized units)
//   r2_a_from_b, mean_r2_a_from_b  the same the other way round.
import { regressionR2 } from '../../math/regression.js';
import { transpose } from '../../math/linalg.js';
import { regressionUndetermined } from '../../undetermined.js';
import type { Method } from '../types.js';
import { MetricRows, epsilonOnly, epsilonOption, metricPairs } from './common.js';

export const regressionMethod: Method = {
  name: 'regression',
  description:
    'linear-regression R^2 both ways: metrics r2_b_from_a = tr(Sba Saa^-1 Sab)/tr(Sbb) (variance-weighted), mean_r2_b_from_a (mean per-unit R^2), and a from b',
  ...epsilonOnly('regression'),
  repeatable: true,
  async run(ctx) {
    const epsilon = epsilonOption(ctx.options, 'regression');
    const rows = new MetricRows(ctx);
    for (const { nameA, nameB, blocks, missing } of metricPairs(ctx)) {
      if (missing) {
        for (const metric of ['r2_b_from_a', 'mean_r2_b_from_a', 'r2_a_from_b', 'mean_r2_a_from_b']) rows.add(nameA, nameB, metric, null, missing);
        continue;
      }
      const { sab, saa, sbb, da, db } = blocks;
      const bFromA = await regressionR2(sab, saa, sbb, da, db, { epsilon });
      const aFromB = await regressionR2(transpose(sab, da, db), sbb, saa, db, da, { epsilon });
      const bUndetermined = regressionUndetermined(ctx.samples, bFromA.rankA, nameA);
      const aUndetermined = regressionUndetermined(ctx.samples, aFromB.rankA, nameB);
      rows.add(nameA, nameB, 'r2_b_from_a', bUndetermined ? null : bFromA.r2, bUndetermined ?? `${nameB} has no variance`);
      rows.add(nameA, nameB, 'mean_r2_b_from_a', bUndetermined ? null : bFromA.meanR2, bUndetermined ?? `${nameB} has no live units`);
      rows.add(nameA, nameB, 'r2_a_from_b', aUndetermined ? null : aFromB.r2, aUndetermined ?? `${nameA} has no variance`);
      rows.add(nameA, nameB, 'mean_r2_a_from_b', aUndetermined ? null : aFromB.meanR2, aUndetermined ?? `${nameA} has no live units`);
    }
    return { tables: rows.tables() };
  },
};
