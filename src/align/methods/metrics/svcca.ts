// Method `svcca`: SVCCA (Raghu et al. 2017): per net the top principal directions explaining a
// fraction `keep` of its variance, then CCA between the reduced spaces; see src/align/math/cca.ts.
import { svcca } from '../../math/cca.js';
import { ccaUndetermined } from '../../undetermined.js';
import type { Method } from '../types.js';
import { numberOption } from '../option-values.js';
import { EPSILON_OPTION, MetricRows, SeriesRows, epsilonOption, metricPairs } from './common.js';

/** svcca's options, parsed and checked: run() and checkOptions() read them the same way. */
function svccaOptions(options: Record<string, unknown>) {
  return { keep: numberOption(options, 'svcca', 'keep', 'in (0, 1]', (v) => v > 0 && v <= 1, 0.99), epsilon: epsilonOption(options, 'svcca') };
}

export const svccaMethod: Method = {
  name: 'svcca',
  description: 'SVCCA (Raghu et al. 2017): metrics svcca (mean canonical correlation of the reduced spaces), svcca_dims_a/b; table svcca_correlations',
  repeatable: true,
  options: {
    keep: { type: 'number', default: 0.99, describe: 'fraction of each net\'s variance its kept principal directions explain, in (0, 1]' },
    epsilon: EPSILON_OPTION,
  },
  checkOptions: (options) => void svccaOptions(options),
  async run(ctx) {
    const { keep, epsilon } = svccaOptions(ctx.options);
    const rows = new MetricRows(ctx);
    const series = new SeriesRows(ctx);
    for (const { nameA, nameB, blocks, missing } of metricPairs(ctx)) {
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
      series.add(nameA, nameB, result.values);
      rows.add(nameA, nameB, 'svcca', result.mean, 'no canonical correlations');
      rows.add(nameA, nameB, 'svcca_dims_a', result.dimsA);
      rows.add(nameA, nameB, 'svcca_dims_b', result.dimsB);
    }
    return { tables: { ...rows.tables(), svcca_correlations: series.table() } };
  },
};
