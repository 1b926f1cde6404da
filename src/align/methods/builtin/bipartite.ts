// Built-in method `bipartite`: the one-to-one matching of live units that maximizes the total
// correlation (a linear sum assignment), and how often it agrees with semi-matching.
import { table } from 'arquero';
import { semiMatch } from '../../../kernels/semi-matching/index.js';
import { bipartitePartners } from '../matching.js';
import type { Method } from '../types.js';
import { finiteOrNull, meanOrNull } from './pair-rows.js';
import { fisherInterval } from './fisher-interval.js';

export const bipartiteMethod: Method = {
  name: 'bipartite',
  description: 'bipartite matching: the one-to-one assignment of live units maximizing total correlation',
  repeatable: true,
  async run(ctx) {
    const matches = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], unit_a: [] as number[], bipartite_unit_b: [] as (number | null)[], bipartite_corr: [] as (number | null)[], bipartite_corr_lo: [] as (number | null)[], bipartite_corr_hi: [] as (number | null)[] };
    const summary = {
      layer: [] as string[], net_a: [] as string[], net_b: [] as string[],
      bipartite_corr: [] as (number | null)[], same_partner: [] as (number | null)[], same_partner_ba: [] as (number | null)[],
    };
    for (const [ia, ib] of ctx.pairs) {
      const a = ctx.nets[ia];
      const b = ctx.nets[ib];
      const corr = ctx.correlation(ia, ib);
      const { ofA: partnerOfA, ofB: partnerOfB, matched } = await bipartitePartners(corr, a.units, b.units, a.stats.dead, b.stats.dead);
      const semi = await semiMatch(corr, a.units, b.units);
      let sameAB = 0;
      let sameBA = 0;
      const values: number[] = [];
      for (let i = 0; i < a.units; i++) {
        const j = partnerOfA[i];
        if (j < 0) continue;
        values.push(corr[i * b.units + j]);
        if (semi.rowPartner[i] === j) sameAB++;
        if (semi.colPartner[j] === i) sameBA++;
      }
      for (const [from, to, partner] of [[a, b, partnerOfA], [b, a, partnerOfB]] as const) {
        for (let i = 0; i < from.units; i++) {
          const j = partner[i];
          matches.layer.push(ctx.layer);
          matches.net_a.push(from.name);
          matches.net_b.push(to.name);
          matches.unit_a.push(i);
          matches.bipartite_unit_b.push(j >= 0 ? j : null);
          const r = j >= 0 ? finiteOrNull(from === a ? corr[i * b.units + j] : corr[j * b.units + i]) : null;
          matches.bipartite_corr.push(r);
          const [lo, hi] = fisherInterval(r, ctx.items);
          matches.bipartite_corr_lo.push(lo);
          matches.bipartite_corr_hi.push(hi);
        }
      }
      summary.layer.push(ctx.layer);
      summary.net_a.push(a.name);
      summary.net_b.push(b.name);
      summary.bipartite_corr.push(meanOrNull(values));
      summary.same_partner.push(matched > 0 ? sameAB / matched : null);
      summary.same_partner_ba.push(matched > 0 ? sameBA / matched : null);
    }
    return { tables: { matches: table(matches), summary: table(summary) } };
  },
};
