// How the tables that methods return are put together. Same name from several methods: stacked
// when they have the same columns (long tables such as metrics: layer, net_a, net_b, metric,
// value), otherwise joined on the columns they share (semi and bipartite fill one matches table).
// Same name from several layers: stacked.
import { all, not, type ColumnTable } from 'arquero';

/** Left join of `right` onto `left` on the columns they share; right's other columns are added. */
export function joinOnShared(left: ColumnTable, right: ColumnTable): ColumnTable {
  const rightNames = new Set(right.columnNames());
  const keys = left.columnNames().filter((name) => rightNames.has(name));
  if (keys.length === 0) throw new Error(`cannot join tables with no column in common (${left.columnNames().join(', ')} / ${right.columnNames().join(', ')})`);
  return left.join_left(right, [keys, keys], [all(), not(keys)]);
}

/** Collects named tables: joins within a layer, stacks across layers. */
export class TableCollector {
  private readonly stacked = new Map<string, ColumnTable>();

  /** Adds the tables of one layer (each name already joined across methods). */
  addLayer(tables: Map<string, ColumnTable>): void {
    for (const [name, t] of tables) {
      const prior = this.stacked.get(name);
      this.stacked.set(name, prior ? prior.concat(t) : t);
    }
  }

  get(name: string): ColumnTable | undefined {
    return this.stacked.get(name);
  }

  entries(): [string, ColumnTable][] {
    return [...this.stacked.entries()];
  }
}

/** Joins one method's tables into a layer's tables by name. */
export function mergeMethodTables(into: Map<string, ColumnTable>, tables: Record<string, ColumnTable> | undefined): void {
  for (const [name, t] of Object.entries(tables ?? {})) {
    const prior = into.get(name);
    if (!prior) into.set(name, t);
    else if (sameColumns(prior, t)) into.set(name, prior.concat(t));
    else into.set(name, joinOnShared(prior, t));
  }
}

function sameColumns(a: ColumnTable, b: ColumnTable): boolean {
  const an = a.columnNames();
  const bn = new Set(b.columnNames());
  return an.length === bn.size && an.every((n) => bn.has(n));
}
