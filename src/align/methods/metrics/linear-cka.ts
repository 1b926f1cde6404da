// Method `linear-cka`: linear CKA (Kornblith et al. 2019) from the moments; see src/align/math/cka.ts.
import { linearCka } from '../../math/cka.js';
import type { Method } from '../types.js';
import { MetricRows, metricPairs } from './common.js';

export const linearCkaMethod: Method = {
  name: 'linear-cka',
  description: 'linear CKA (Kornblith et al. 2019) of the live units, exact from the moments; metric linear_cka',
  repeatable: true,
  run(ctx) {
    const rows = new MetricRows(ctx);
    for (const { nameA, nameB, blocks, missing } of metricPairs(ctx)) {
      const value = missing ? null : linearCka(blocks.sab, blocks.saa, blocks.sbb, blocks.da, blocks.db);
      rows.add(nameA, nameB, 'linear_cka', value, missing ?? 'no variance');
    }
    return { tables: rows.tables() };
  },
};
