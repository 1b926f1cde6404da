// Method `activation-stats`: each net's per-unit mean activations sorted from high to low (the
// "mean activations converge" figure of Li et al. 2016: nets trained from different initial
// weights end up with nearly the same sorted profile of mean activations).
// Table `activation_stats`: layer, net, rank (0 = highest mean; ties in unit order), unit, mean,
// dead, rare (dead and rare units are included, at the rank of their mean, and flagged apart:
// stats.dead, the mask methods leave out, holds both; src/align/rare-units.ts).
import { finiteOrNull } from '../builtin/pair-rows.js';
import { unitFlags } from '../../rare-units.js';
import type { Method } from '../types.js';

export const activationStatsMethod: Method = {
  name: 'activation-stats',
  description: "each net's per-unit mean activations sorted high to low, dead and rare units flagged; table activation_stats",
  run(ctx) {
    const rows = { layer: [] as string[], net: [] as string[], rank: [] as number[], unit: [] as number[], mean: [] as (number | null)[], dead: [] as boolean[], rare: [] as boolean[] };
    for (const net of ctx.nets) {
      const mean = net.stats.mean;
      const order = Array.from({ length: net.units }, (_, i) => i).sort((x, y) => mean[y] - mean[x] || x - y);
      order.forEach((unit, rank) => {
        rows.layer.push(ctx.layer);
        rows.net.push(net.name);
        rows.rank.push(rank);
        rows.unit.push(unit);
        rows.mean.push(finiteOrNull(mean[unit]));
        const flags = unitFlags(net.stats, unit);
        rows.dead.push(flags.dead);
        rows.rare.push(flags.rare);
      });
    }
    return { tables: { activation_stats: ctx.table(rows) } };
  },
};
