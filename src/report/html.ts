// Small helpers for writing HTML by hand: escaping, number formats, tables, JSON in a <script>.

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside <script type="application/json">: no "</script", "<!--" or line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A table's boolean flag (dead, rare): true as read from JSON or Arrow, 'true' as read from CSV. */
export const isTrue = (v: unknown): boolean => v === true || v === 'true';
export const fmt = (v: unknown, digits = 3) => (isNum(v) ? v.toFixed(digits) : '–');
export const pct = (v: unknown) => (isNum(v) ? `${(100 * v).toFixed(0)}%` : '–');
export const int = (v: unknown) => (isNum(v) ? String(Math.round(v)) : '–');

/** Seconds as "0.17 s", "2 min 5 s". */
export function seconds(v: unknown): string {
  if (!isNum(v)) return '–';
  if (v < 60) return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${Math.round(v - 60 * m)} s`;
}

export interface Column<R> {
  label: string;
  /** Cell content as HTML (escape yourself) or a plain value (escaped here). */
  cell: (row: R) => string | number;
  html?: boolean;
  /** The label is HTML (escape yourself). */
  labelHtml?: boolean;
  numeric?: boolean;
  title?: string;
}

/**
 * A table in a box that scrolls sideways when the table is wider than the page (a run with many
 * nets), so that the page itself never does. `labelHtml` marks column labels given as HTML.
 */
export function htmlTable<R>(columns: Column<R>[], rows: R[], className = 'data'): string {
  const head = columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}${c.title ? ` title="${esc(c.title)}"` : ''}>${c.labelHtml ? c.label : esc(c.label)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.html ? String(c.cell(r)) : esc(c.cell(r))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Key of a pair of nets in the page's view selector (data-pair): URI-encoded names, so the space cannot occur in either. */
export function pairKey(a: string, b: string): string {
  return `${encodeURIComponent(a)} ${encodeURIComponent(b)}`;
}

/**
 * A block of the page that belongs to one layer and/or one pair of nets: the selector at the top
 * of the page shows the blocks of the chosen layer and pair and hides the others (runtime.ts).
 */
export function viewBlock(html: string, of: { layer?: string; pair?: [string, string] }): string {
  const attrs = `${of.layer !== undefined ? ` data-layer="${esc(of.layer)}"` : ''}${of.pair ? ` data-pair="${esc(pairKey(...of.pair))}"` : ''}`;
  return `<div class="view"${attrs}>\n${html}\n</div>`;
}

/** A note shown in place of a section or figure that could not be made. */
export function note(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}

/** Safe id for HTML and file names. */
export function slug(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '_')).join('-');
}
