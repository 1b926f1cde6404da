// How the tables that methods return are put together. Same name from several methods: stacked
// when they have the same columns (long tables such as metrics: layer, net_a, net_b, metric,
// value), otherwise joined on the columns they share (semi and bipartite fill one matches table).
// Same name from several layers: stacked.
import { all, not, type ColumnTable } from 'arquero';
import { asColumnTable } from './arquero.js';
import type { Table } from './types.js';

/**
 * Left join of `right` onto `left` on the columns they share; right's other columns are added.
 * Tables with no column in common are refused; `noSharedColumn` words that message, given both
 * tables' column lists (`a, b / c`), so that a caller can name who returned the table.
 */
export function joinOnShared(left: Table, right: Table, noSharedColumn?: (columns: string) => string): Table {
  const rightNames = new Set(right.columnNames());
  const keys = left.columnNames().filter((name) => rightNames.has(name));
  if (keys.length === 0) {
    const columns = `${left.columnNames().join(', ')} / ${right.columnNames().join(', ')}`;
    throw new Error(noSharedColumn ? noSharedColumn(columns) : `cannot join tables with no column in common (${columns})`);
  }
  return asColumnTable(left).join_left(asColumnTable(right), [keys, keys], [all(), not(keys)]);
}

/** Collects named tables: joins within a layer, stacks across layers. */
export class TableCollector {
  private readonly stacked = new Map<string, ColumnTable>();

  /** Adds the tables of one layer (each name already joined across methods). */
  addLayer(tables: Map<string, Table>): void {
    for (const [name, t] of tables) {
      const prior = this.stacked.get(name);
      this.stacked.set(name, prior ? prior.concat(asColumnTable(t)) : asColumnTable(t));
    }
  }

  get(name: string): Table | undefined {
    return this.stacked.get(name);
  }

  entries(): [string, Table][] {
    return [...this.stacked.entries()];
  }
}

/**
 * Joins one method's tables into a layer's tables by name. `source` (e.g. `method X (plugin P),
 * layer L`) starts the message when a table cannot be joined, so that it names who returned it.
 */
export function mergeMethodTables(into: Map<string, Table>, tables: Record<string, Table> | undefined, source?: string): void {
  for (const [name, t] of Object.entries(tables ?? {})) {
    const prior = into.get(name);
    if (!prior) into.set(name, t);
    else if (sameColumns(prior, t)) into.set(name, asColumnTable(prior).concat(asColumnTable(t)));
    else {
      const noSharedColumn = (columns: string) =>
        `${source ?? 'a method'}: table "${name}" shares no column with the "${name}" table already there from align or an earlier method (${columns}), so they cannot be joined; rename the table`;
      into.set(name, joinOnShared(prior, t, noSharedColumn));
    }
  }
}

function sameColumns(a: Table, b: Table): boolean {
  const an = a.columnNames();
  const bn = new Set(b.columnNames());
  return an.length === bn.size && an.every((n) => bn.has(n));
}
