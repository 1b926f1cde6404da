// How the report shows a value's uncertainty: its 95% interval (align's `<column>_lo/_hi`, from the
// jackknife of a --blocks probe or of a merged sharded probe) and its chance level
// (`<column>_chance`, from the null reducer: the value when no pair of units shares an input).
import { esc, fmt, isNum } from './html.js';
import type { Row } from './run-data.js';

/**
 * `column` of `row` as HTML: the value, then [lo, hi] and the chance level when the row has them.
 * The jackknife's t interval is symmetric and may pass a bound the statistic cannot (a fraction
 * above 100%): `bounds` cuts what is shown (the tables keep the interval as computed).
 */
export function valueWithUncertainty(row: Row, column: string, format: (v: unknown) => string = fmt, bounds?: [number, number]): string {
  return uncertaintyHtml(row[column], row[`${column}_lo`], row[`${column}_hi`], row[`${column}_chance`], format, bounds);
}

export function uncertaintyHtml(value: unknown, lo: unknown, hi: unknown, chance: unknown, format: (v: unknown) => string = fmt, bounds?: [number, number]): string {
  let html = esc(format(value));
  const cut = (v: number) => (bounds ? Math.min(bounds[1], Math.max(bounds[0], v)) : v);
  if (isNum(lo) && isNum(hi)) html += `<span class="ci" title="95% interval (delete-one-block jackknife)">[${esc(format(cut(lo)))}, ${esc(format(cut(hi)))}]</span>`;
  if (isNum(chance)) html += `<span class="chance" title="the value with no correspondence between the nets (null reducer)">chance ${esc(format(chance))}</span>`;
  return html;
}

/** Whether any row carries an interval or a chance level for `column`. */
export function hasUncertainty(rows: Row[], column: string): boolean {
  return rows.some((r) => isNum(r[`${column}_lo`]) || isNum(r[`${column}_chance`]));
}

/** The CSS of the spans above (in the page's stylesheet). */
export const UNCERTAINTY_CSS = `span.ci, span.chance { display: block; font-size: 11px; color: var(--muted); white-space: nowrap; }
span.chance { font-style: italic; }`;
