// Method `debiased-cka`: debiased linear CKA (Nguyen, Raghu, Kornblith 2021), from the unbiased
// HSIC of Song et al. 2012 (src/align/math/hsic.ts), exact over all samples: the co-moments give
// ||C_ab||_F^2 and the traces, reducer sample-norms the per-sample norm products Q
// (src/align/sample-norms.ts). Metric linear_cka_debiased per pair of nets.
//
// Unit set. Q is summed over every unit of a net during the probe, before align knows which
// units are dead or rare, so the value is over all units of both nets: the constant ones add
// exactly nothing (they are zero about their mean: the moments' shift is their value), but units
// the other methods leave out while they vary (rare units, see src/align/rare-units.ts, and units
// constant only up to rounding noise) are in it. A pair with such units gets a note saying so,
// since its unit set then differs from linear_cka's.
//
// Unlike linear_cka it is not clamped to [0, 1]: an unbiased estimate of a small similarity can be
// slightly negative.
//
// Intervals and chance levels (src/align/resample/): the jackknife reruns the method on every
// leave-one-block-out state, whose sample-norms sums are merged like its moments (the reducer
// keeps a state per block). The chance level has no value: it would need the norm products of
// the null reducer's mismatched items, which no reducer accumulates.
import { debiasedCka, unbiasedHsic, type HsicResult } from '../../math/hsic.js';
import { unitFlags, type RareRuleStats } from '../../rare-units.js';
import { normProductFromSums, sampleNormsOfLayer, type SampleNormsView } from '../../sample-norms.js';
import { SAMPLE_NORMS } from '../../../probe/reducers/sample-norms.js';
import type { Method, MethodContext, NetLayer } from '../types.js';
import { MetricRows } from './common.js';

const METHOD = 'debiased-cka';
const METRIC = 'linear_cka_debiased';

export const debiasedCkaMethod: Method = {
  name: METHOD,
  description: `debiased linear CKA (unbiased HSIC, Song et al. 2012; Nguyen et al. 2021) over all units, exact from the moments and reducer ${SAMPLE_NORMS}; metric ${METRIC}`,
  requires: { reducers: [SAMPLE_NORMS] },
  // Jackknife: the leave-one-block-out states carry the reducer's merged sums. Chance level: the
  // null reducer's moments come without sums for the mismatched pairing (see below).
  repeatable: true,
  async run(ctx) {
    const rows = new MetricRows(ctx);
    const output = await ctx.reducerOutput?.(SAMPLE_NORMS);
    if (!output) {
      // align refuses up front a run probed without the reducer, so this is the chance level's
      // context (src/align/resample/): Q_ab of net A's item i with net B's mismatched item is a
      // sum that no reducer accumulates.
      const reason = `no ${SAMPLE_NORMS} sums for these moments (the chance level would need the per-sample norm products of the mismatched items, which no reducer accumulates)`;
      for (const [a, b] of ctx.pairs) rows.add(ctx.nets[a].name, ctx.nets[b].name, METRIC, null, reason);
      return { tables: rows.tables() };
    }
    const sums = sampleNormsOfLayer(ctx, output, ctx.runDir, METHOD);
    const self = new Map<number, HsicResult>();
    const selfHsic = (k: number) => self.get(k) ?? self.set(k, pairHsic(ctx, sums, k, k)).get(k)!;
    for (const [a, b] of ctx.pairs) {
      const [A, B] = [ctx.nets[a], ctx.nets[b]];
      const [hab, haa, hbb] = [pairHsic(ctx, sums, a, b), selfHsic(a), selfHsic(b)];
      const failed = [hab, haa, hbb].find((h) => h.value === null);
      const cka = failed ? failed : debiasedCka(hab.value!, haa.value!, hbb.value!);
      rows.add(A.name, B.name, METRIC, cka.value, cka.reason ?? undefined);
      const extra = leftOutElsewhere(ctx, A, B);
      if (cka.value !== null && extra) rows.note(A.name, B.name, METRIC, extra);
    }
    return { tables: rows.tables() };
  },
};

/** The unbiased HSIC of nets a and b (a = b allowed) over all their units. */
function pairHsic(ctx: MethodContext, sums: SampleNormsView, a: number, b: number): HsicResult {
  const { m2, d, n } = ctx.moments;
  const [A, B] = [ctx.nets[a], ctx.nets[b]];
  let crossSq = 0;
  for (let u = A.offset; u < A.offset + A.units; u++) {
    for (let v = B.offset; v < B.offset + B.units; v++) crossSq += m2[u * d + v] * m2[u * d + v];
  }
  const trace = (net: NetLayer) => {
    let t = 0;
    for (let u = net.offset; u < net.offset + net.units; u++) t += m2[u * d + u];
    return t;
  };
  return unbiasedHsic({ n, crossSq, traceA: trace(A), traceB: trace(B), normProduct: normProductFromSums(sums, ctx.moments, a, b) });
}

/**
 * Why the pair's unit set differs from the other methods' (rare units, or units dead by the std
 * rule that still vary by rounding noise), or null when it does not.
 */
function leftOutElsewhere(ctx: MethodContext, A: NetLayer, B: NetLayer): string | null {
  const counts = [A, B].map((net) => {
    let rare = 0;
    let noisy = 0;
    for (let u = 0; u < net.units; u++) {
      const flags = unitFlags(net.stats as RareRuleStats, u);
      const at = net.offset + u;
      if (flags.rare) rare++;
      else if (flags.dead && ctx.moments.m2[at * ctx.moments.d + at] > 0) noisy++;
    }
    return { name: net.name, rare, noisy };
  });
  const parts = counts.flatMap((c) => [c.rare ? `${c.rare} rare unit${c.rare > 1 ? 's' : ''} of ${c.name}` : null, c.noisy ? `${c.noisy} near-constant unit${c.noisy > 1 ? 's' : ''} of ${c.name}` : null]).filter((s) => s !== null);
  if (parts.length === 0) return null;
  return `over all units, including ${parts.join(', ')} that linear_cka and the other methods leave out (the per-sample norms are summed over every unit during the probe)`;
}
