// Method `svcca`: SVCCA (Raghu et al. 2017): per net the top principal directions explaining a
// fraction `keep` of its variance, then CCA between the reduced spaces; see src/metrics/cca.ts.
import { svcca } from '../../metrics/cca.js';
import { ccaUndetermined } from '../../stats/undetermined.js';
import type { Method } from '../types.js';
import { EPSILON_OPTION, MetricRows, epsilonOption, missingReason, numberOption, pairBlocks, seriesRows } from './common.js';

export const svccaMethod: Method = {
  name: 'svcca',
  description: 'SVCCA (Raghu et al. 2017): metrics svcca (mean canonical correlation of the reduced spaces), svcca_dims_a/b; table svcca_correlations',
  options: {
    keep: { type: 'number', default: 0.99, describe: 'fraction of each net\'s variance its kept principal directions explain, in (0, 1]' },
    epsilon: EPSILON_OPTION,
  },
  async run(ctx) {
    const keep = numberOption(ctx, 'svcca', 'keep', 0.99, (v) => v > 0 && v <= 1, 'in (0, 1]');
    const epsilon = epsilonOption(ctx, 'svcca');
    const rows = new MetricRows(ctx);
    const series = seriesRows();
    for (const [a, b] of ctx.pairs) {
      const nameA = ctx.nets[a].name;
      const nameB = ctx.nets[b].name;
      const blocks = pairBlocks(ctx, a, b);
      const missing = missingReason(ctx, blocks, a, b);
      if (missing) {
        rows.add(nameA, nameB, 'svcca', null, missing);
        rows.add(nameA, nameB, 'svcca_dims_a', blocks.da === 0 ? 0 : null, missing);
        rows.add(nameA, nameB, 'svcca_dims_b', blocks.db === 0 ? 0 : null, missing);
        continue;
      }
      const result = await svcca(blocks.sab, blocks.saa, blocks.sbb, blocks.da, blocks.db, { keep, epsilon });
      const undetermined = ccaUndetermined(ctx.samples, result.dimsA, result.dimsB);
      if (undetermined) {
        rows.add(nameA, nameB, 'svcca', null, undetermined);
        rows.add(nameA, nameB, 'svcca_dims_a', result.dimsA);
        rows.add(nameA, nameB, 'svcca_dims_b', result.dimsB);
        continue;
      }
      result.values.forEach((v, i) => {
        series.layer.push(ctx.layer);
        series.net_a.push(nameA);
        series.net_b.push(nameB);
        series.index.push(i);
        series.value.push(v);
      });
      rows.add(nameA, nameB, 'svcca', result.mean, 'no canonical correlations');
      rows.add(nameA, nameB, 'svcca_dims_a', result.dimsA);
      rows.add(nameA, nameB, 'svcca_dims_b', result.dimsB);
    }
    return { tables: { ...rows.tables(), svcca_correlations: ctx.table(series) } };
  },
};
