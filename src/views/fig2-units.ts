// The units Fig. 2 shows (src/report/section-fig2.ts): per layer and pair of nets in the headline,
// both units of the best and worst bipartite pairs of tables/matches. The views step draws these
// and no others: a view costs a backward pass per unit and image.
import { bestAndWorst } from '../report/section-fig2.js';
import { pairRows, type RunData } from '../report/run-data.js';

/** layer -> net -> units, each sorted. */
export type Fig2Units = Map<string, Map<string, number[]>>;

export async function fig2Units(data: RunData): Promise<Fig2Units> {
  const out: Fig2Units = new Map();
  const matches = await data.table('matches');
  if (!matches) return out;
  for (const layer of data.layers) {
    const nets = new Map<string, Set<number>>();
    for (const row of data.headline.filter((r) => r.layer === layer)) {
      const a = String(row.net_a);
      const b = String(row.net_b);
      const { best, worst } = bestAndWorst(pairRows(matches, layer, a, b));
      for (const p of [...best, ...worst]) {
        if (!nets.has(a)) nets.set(a, new Set());
        if (!nets.has(b)) nets.set(b, new Set());
        nets.get(a)!.add(p.unit_a);
        nets.get(b)!.add(p.unit_b);
      }
    }
    if (nets.size > 0) out.set(layer, new Map([...nets].map(([net, units]) => [net, [...units].sort((x, y) => x - y)])));
  }
  return out;
}
