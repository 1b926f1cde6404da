// What the metric methods share: the long `metrics` table (layer, net_a, net_b, metric, value),
// notes explaining every null in it, and the covariance blocks of a pair's live units.
import type { Table } from '../../../tables/types.js';
import { covarianceBlocks, type CovarianceBlocks } from '../../math/blocks.js';
import { finiteOrNull } from '../builtin/pair-rows.js';
import type { Method, MethodContext, MethodOption } from '../types.js';
import { numberOption } from '../option-values.js';

/**
 * Rows of the long `metrics` table. Its columns are exactly layer, net_a, net_b, metric, value for
 * every method, so the tables of several methods stack into one. A value that is undefined is null
 * (never NaN), and the reason goes to the `metric_notes` table (layer, net_a, net_b, metric,
 * reason) and to the log.
 */
export class MetricRows {
  private readonly rows = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], metric: [] as string[], value: [] as (number | null)[] };
  private readonly notes = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], metric: [] as string[], reason: [] as string[] };

  constructor(private readonly ctx: MethodContext) {}

  /** One scalar; non-finite values become null with a note. */
  add(netA: string, netB: string, metric: string, value: number | null, reason?: string): void {
    const v = value === null ? null : finiteOrNull(value);
    this.rows.layer.push(this.ctx.layer);
    this.rows.net_a.push(netA);
    this.rows.net_b.push(netB);
    this.rows.metric.push(metric);
    this.rows.value.push(v);
    if (v === null) this.note(netA, netB, metric, reason ?? (value === null ? 'undefined' : `not finite (${value})`));
  }

  note(netA: string, netB: string, metric: string, reason: string): void {
    this.notes.layer.push(this.ctx.layer);
    this.notes.net_a.push(netA);
    this.notes.net_b.push(netB);
    this.notes.metric.push(metric);
    this.notes.reason.push(reason);
    this.ctx.log(`${this.ctx.layer} ${netA}/${netB} ${metric}: ${reason}`);
  }

  /** `metrics`, plus `metric_notes` when some value is null. */
  tables(): Record<string, Table> {
    const out: Record<string, Table> = { metrics: this.ctx.table(this.rows) };
    if (this.notes.layer.length > 0) out.metric_notes = this.ctx.table(this.notes);
    return out;
  }
}

/** One pair of nets as a metric method sees it. */
export interface MetricPair {
  nameA: string;
  nameB: string;
  /** Covariance blocks (m2 / n) of the pair's live units. */
  blocks: CovarianceBlocks;
  /** Why the pair has no metric at all (a net without live units), or null when it has. */
  missing: string | null;
}

/** The pairs of this layer in order, each with its blocks computed when the loop reaches it. */
export function* metricPairs(ctx: MethodContext): Generator<MetricPair> {
  for (const [a, b] of ctx.pairs) {
    const blocks = pairBlocks(ctx, a, b);
    yield { nameA: ctx.nets[a].name, nameB: ctx.nets[b].name, blocks, missing: missingReason(ctx, blocks, a, b) };
  }
}

/** Covariance blocks (m2 / n) of the live units of nets a and b of this layer. */
function pairBlocks(ctx: MethodContext, a: number, b: number): CovarianceBlocks {
  const na = ctx.nets[a];
  const nb = ctx.nets[b];
  return covarianceBlocks(
    ctx.moments,
    { offset: na.offset, units: na.units, dead: na.stats.dead },
    { offset: nb.offset, units: nb.units, dead: nb.stats.dead },
  );
}

/** Why a pair has no metric at all (a net without live units), or null when it has. */
function missingReason(ctx: MethodContext, blocks: CovarianceBlocks, a: number, b: number): string | null {
  const empty = [blocks.da === 0 ? ctx.nets[a].name : null, blocks.db === 0 ? ctx.nets[b].name : null].filter((x) => x !== null);
  if (empty.length === 0) return null;
  return `no live units in ${empty.join(' and ')} (all dead, or no samples)`;
}

/** A detail table of linked values per pair (layer, net_a, net_b, index, value), such as canonical correlations. */
export class SeriesRows {
  private readonly rows = { layer: [] as string[], net_a: [] as string[], net_b: [] as string[], index: [] as number[], value: [] as number[] };

  constructor(private readonly ctx: MethodContext) {}

  /** values[i] as row `index` i of the pair. */
  add(netA: string, netB: string, values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      this.rows.layer.push(this.ctx.layer);
      this.rows.net_a.push(netA);
      this.rows.net_b.push(netB);
      this.rows.index.push(i);
      this.rows.value.push(values[i]);
    }
  }

  table(): Table {
    return this.ctx.table(this.rows);
  }
}

export const EPSILON_OPTION: MethodOption = {
  type: 'number',
  default: 1e-10,
  describe: 'relative eigenvalue floor: covariance directions with eigenvalue <= epsilon x the largest (or within the moments\' float32 rounding noise) are dropped as null space',
};

/** The epsilon option (of ctx.options in run(), or the options checkOptions() receives). */
export function epsilonOption(options: Record<string, unknown>, method: string): number {
  return numberOption(options, method, 'epsilon', 'in [0, 1)', (v) => v >= 0 && v < 1, 1e-10);
}

/** The declared options and their check for a method whose only option is epsilon. */
export function epsilonOnly(method: string): Pick<Method, 'options' | 'checkOptions'> {
  return { options: { epsilon: EPSILON_OPTION }, checkOptions: (options) => void epsilonOption(options, method) };
}
