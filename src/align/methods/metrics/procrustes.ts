// Method `procrustes`: orthogonal Procrustes distance on standardized live units,
// 2 - 2 ||Rab||_* / sqrt(da db) in [0, 2]; see src/align/math/procrustes.ts for the definition.
import { procrustesDistance } from '../../math/procrustes.js';
import type { Method } from '../types.js';
import { MetricRows, metricPairs } from './common.js';

export const procrustesMethod: Method = {
  name: 'procrustes',
  description: 'orthogonal Procrustes distance of the standardized live units (Ding et al. 2021 form, per-unit standardized), in [0, 2]; metric procrustes',
  repeatable: true,
  async run(ctx) {
    const rows = new MetricRows(ctx);
    for (const { nameA, nameB, blocks, missing } of metricPairs(ctx)) {
      const value = missing ? null : await procrustesDistance(blocks.sab, blocks.saa, blocks.sbb, blocks.da, blocks.db);
      rows.add(nameA, nameB, 'procrustes', value, missing ?? 'a unit has no variance');
    }
    return { tables: rows.tables() };
  },
};
