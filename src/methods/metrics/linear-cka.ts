// Method `linear-cka`: linear CKA (Kornblith et al. 2019) from the moments; see src/metrics/cka.ts.
import { linearCka } from '../../metrics/cka.js';
import type { Method } from '../types.js';
import { MetricRows, missingReason, pairBlocks } from './common.js';

export const linearCkaMethod: Method = {
  name: 'linear-cka',
  description: 'linear CKA (Kornblith et al. 2019) of the live units, exact from the moments; metric linear_cka',
  run(ctx) {
    const rows = new MetricRows(ctx);
    for (const [a, b] of ctx.pairs) {
      const blocks = pairBlocks(ctx, a, b);
      const missing = missingReason(ctx, blocks, a, b);
      const value = missing ? null : linearCka(blocks.sab, blocks.saa, blocks.sbb, blocks.da, blocks.db);
      rows.add(ctx.nets[a].name, ctx.nets[b].name, 'linear_cka', value, missing ?? 'no variance');
    }
    return { tables: rows.tables() };
  },
};
