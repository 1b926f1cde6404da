// Index ranges of a data source picked on the command line (`--split`): `START:END` (either end
// may be left out), or a name the source defines (MNIST: `train`, `heldout`).

/** Half-open range [start, end) of item indices. */
export type IndexRange = [number, number];

/**
 * Parses `START:END`, `START:` or `:END` (item indices, END exclusive), or one of `named`
 * (case-insensitive, `-` and `_` ignored, so `held-out` is `heldout`), against a source of `count`
 * items. `what` names the source in errors.
 */
export function parseRange(spec: string, count: number, named: Record<string, IndexRange> = {}, what = 'data'): IndexRange {
  const text = spec.trim();
  const key = text.toLowerCase().replace(/[-_]/g, '');
  for (const [name, range] of Object.entries(named)) {
    if (name.toLowerCase().replace(/[-_]/g, '') === key) return checkRange(range, count, spec, what);
  }
  const m = /^(\d*)\s*:\s*(\d*)$/.exec(text);
  if (!m || (m[1] === '' && m[2] === '')) {
    const names = Object.keys(named);
    throw new Error(`${what}: bad split "${spec}": expected START:END (item indices, END exclusive)${names.length ? ` or one of ${names.join(', ')}` : ''}`);
  }
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? count : Number(m[2]);
  return checkRange([start, end], count, spec, what);
}

function checkRange(range: IndexRange, count: number, spec: string, what: string): IndexRange {
  const [start, end] = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > count || start >= end) {
    throw new Error(`${what}: split "${spec}" is [${start}, ${end}), which is empty or outside the ${count} items`);
  }
  return [start, end];
}
