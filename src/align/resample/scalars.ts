// The scalars of a method's result that get an interval and a chance level: every numeric column
// of its `summary` table (one row per pair of nets), and the `value` of each row of its `metrics`
// table. Each is keyed by its table, layer, pair and column (or metric), so that the same scalar
// can be found in the result of every leave-one-block-out state and of the null moments.
import { table } from 'arquero';
import type { MethodResult } from '../methods/types.js';
import type { Table } from '../../tables/types.js';
import type { Interval } from './jackknife.js';

const SUMMARY_KEYS = ['layer', 'net_a', 'net_b'];
const METRIC_KEYS = ['layer', 'net_a', 'net_b', 'metric'];

export type Scalars = Map<string, number | null>;

function rowKey(row: Record<string, unknown>, keys: string[], column: string): string {
  return JSON.stringify([...keys.map((k) => row[k]), column]);
}

/** The numeric, non-key columns of a summary table (the resampled ones). */
function summaryColumns(t: Table): string[] {
  const rows = t.objects() as Record<string, unknown>[];
  return t.columnNames().filter((c) => !SUMMARY_KEYS.includes(c) && rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === null || typeof r[c] === 'number'));
}

/** Every scalar of `result`, by key. */
export function methodScalars(result: MethodResult): Scalars {
  const out: Scalars = new Map();
  const summary = result.tables?.summary;
  if (summary) {
    const columns = summaryColumns(summary);
    for (const row of summary.objects() as Record<string, unknown>[]) for (const c of columns) out.set(`summary:${rowKey(row, SUMMARY_KEYS, c)}`, row[c] as number | null);
  }
  const metrics = result.tables?.metrics;
  if (metrics && metrics.columnNames().includes('value')) {
    for (const row of metrics.objects() as Record<string, unknown>[]) out.set(`metrics:${rowKey(row, METRIC_KEYS, 'value')}`, row.value as number | null);
  }
  return out;
}

/** What the columns added to a result hold: intervals (jackknife) and chance levels (null moments), either may be off. */
export interface ResampleColumns {
  intervals?: Map<string, Interval>;
  chance?: Scalars;
}

/**
 * `result` with, after each scalar column c, the columns c_se, c_lo, c_hi (when intervals are on)
 * and c_chance (when chance levels are on); null where a scalar has none. Other tables unchanged.
 */
export function withResampleColumns(result: MethodResult, extra: ResampleColumns, only?: { onlyMetrics: boolean }): MethodResult {
  if (!extra.intervals && !extra.chance) return result;
  const tables = { ...(result.tables ?? {}) };
  // A method not repeated keeps its summary as it is; its metrics rows get the columns (null) so
  // that they still stack with the other methods' metrics.
  if (tables.summary && !only?.onlyMetrics) tables.summary = addColumns(tables.summary, 'summary', SUMMARY_KEYS, summaryColumns(tables.summary), extra);
  if (tables.metrics && tables.metrics.columnNames().includes('value')) tables.metrics = addColumns(tables.metrics, 'metrics', METRIC_KEYS, ['value'], extra);
  return { ...result, tables };
}

function addColumns(t: Table, name: string, keys: string[], scalars: string[], extra: ResampleColumns): Table {
  const rows = t.objects() as Record<string, unknown>[];
  const columns: Record<string, unknown[]> = {};
  for (const c of t.columnNames()) {
    columns[c] = rows.map((r) => r[c]);
    if (!scalars.includes(c)) continue;
    const keyOf = (r: Record<string, unknown>) => `${name}:${rowKey(r, keys, c)}`;
    if (extra.intervals) {
      const at = (r: Record<string, unknown>) => extra.intervals!.get(keyOf(r));
      columns[`${c}_se`] = rows.map((r) => at(r)?.se ?? null);
      columns[`${c}_lo`] = rows.map((r) => at(r)?.lo ?? null);
      columns[`${c}_hi`] = rows.map((r) => at(r)?.hi ?? null);
    }
    if (extra.chance) columns[`${c}_chance`] = rows.map((r) => extra.chance!.get(keyOf(r)) ?? null);
  }
  return table(columns);
}
