// Built-in method `semi`: semi-matching on correlation, both directions of every pair.
import { table } from 'arquero';
import { semiMatch } from '../../../kernels/semi-matching/index.js';
import type { Method } from '../types.js';
import { fisherInterval } from './fisher-interval.js';
import { directions, finiteOrNull, meanOrNull } from './pair-rows.js';

export const semiMethod: Method = {
  name: 'semi',
  description: "semi-matching: each unit's most correlated unit of the other net (partners may repeat)",
  repeatable: true,
  async run(ctx) {
    const matches = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], unit_a: [] as number[], semi_unit_b: [] as (number | null)[], semi_corr: [] as (number | null)[], semi_corr_lo: [] as (number | null)[], semi_corr_hi: [] as (number | null)[] };
    const summary = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], semi_corr: [] as (number | null)[], semi_corr_ba: [] as (number | null)[] };
    for (const pair of ctx.pairs) {
      const means: (number | null)[] = [];
      for (const [from, to] of directions(pair)) {
        const a = ctx.nets[from];
        const b = ctx.nets[to];
        const semi = await semiMatch(ctx.correlation(from, to), a.units, b.units);
        for (let i = 0; i < a.units; i++) {
          const live = !a.stats.dead[i] && semi.rowPartner[i] >= 0;
          matches.layer.push(ctx.layer);
          matches.net_a.push(a.name);
          matches.net_b.push(b.name);
          matches.unit_a.push(i);
          matches.semi_unit_b.push(live ? semi.rowPartner[i] : null);
          const r = live ? finiteOrNull(semi.rowValue[i]) : null;
          matches.semi_corr.push(r);
          const [lo, hi] = fisherInterval(r, ctx.items);
          matches.semi_corr_lo.push(lo);
          matches.semi_corr_hi.push(hi);
        }
        means.push(meanOrNull(semi.rowValue));
      }
      summary.layer.push(ctx.layer);
      summary.net_a.push(ctx.nets[pair[0]].name);
      summary.net_b.push(ctx.nets[pair[1]].name);
      summary.semi_corr.push(means[0]);
      summary.semi_corr_ba.push(means[1]);
    }
    return { tables: { matches: table(matches), summary: table(summary) } };
  },
};
