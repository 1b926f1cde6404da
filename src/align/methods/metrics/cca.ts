// Method `cca`: all canonical correlations of two nets' live units, their mean and mean square
// (R^2_CCA of Kornblith et al. 2019), exact from the moments; see src/align/math/cca.ts for the
// definition and how rank-deficient covariances are handled. With too few samples for the ranks
// (src/align/undetermined.ts) the correlations are null, with a note.
import { canonicalCorrelations } from '../../math/cca.js';
import { ccaUndetermined } from '../../undetermined.js';
import type { Method } from '../types.js';
import { MetricRows, SeriesRows, epsilonOnly, epsilonOption, metricPairs } from './common.js';

export const ccaMethod: Method = {
  name: 'cca',
  description:
    'canonical correlation analysis of the live units: metrics mean_cca, mean_cca_sq (R^2_CCA), cca_rank_a/b; table canonical_correlations',
  ...epsilonOnly('cca'),
  repeatable: true,
  async run(ctx) {
    const epsilon = epsilonOption(ctx.options, 'cca');
    const rows = new MetricRows(ctx);
    const series = new SeriesRows(ctx);
    for (const { nameA, nameB, blocks, missing } of metricPairs(ctx)) {
      if (missing) {
        for (const metric of ['mean_cca', 'mean_cca_sq']) rows.add(nameA, nameB, metric, null, missing);
        rows.add(nameA, nameB, 'cca_rank_a', blocks.da === 0 ? 0 : null, missing);
        rows.add(nameA, nameB, 'cca_rank_b', blocks.db === 0 ? 0 : null, missing);
        continue;
      }
      const { values, rankA, rankB } = await canonicalCorrelations(blocks.sab, blocks.saa, blocks.sbb, blocks.da, blocks.db, { epsilon });
      if (rankA < blocks.da || rankB < blocks.db) {
        ctx.log(`${ctx.layer} ${nameA}/${nameB}: covariance rank-deficient (${nameA} ${rankA} of ${blocks.da} live units, ${nameB} ${rankB} of ${blocks.db}); CCA over the spanned directions`);
      }
      const undetermined = ccaUndetermined(ctx.samples, rankA, rankB);
      if (undetermined) {
        for (const metric of ['mean_cca', 'mean_cca_sq']) rows.add(nameA, nameB, metric, null, undetermined);
        rows.add(nameA, nameB, 'cca_rank_a', rankA);
        rows.add(nameA, nameB, 'cca_rank_b', rankB);
        continue;
      }
      let sum = 0;
      let sumSq = 0;
      for (const v of values) {
        sum += v;
        sumSq += v * v;
      }
      series.add(nameA, nameB, values);
      const k = values.length;
      rows.add(nameA, nameB, 'mean_cca', k > 0 ? sum / k : null, 'no canonical correlations');
      rows.add(nameA, nameB, 'mean_cca_sq', k > 0 ? sumSq / k : null, 'no canonical correlations');
      rows.add(nameA, nameB, 'cca_rank_a', rankA);
      rows.add(nameA, nameB, 'cca_rank_b', rankB);
    }
    return { tables: { ...rows.tables(), canonical_correlations: series.table() } };
  },
};
