// How the tables that methods return are put together: same name from several methods -> joined
// on their shared columns; same name from several layers -> stacked.
import { all, not, type ColumnTable } from 'arquero';

/** Left join of `right` onto `left` on the columns they share; right's other columns are added. */
export function joinOnShared(left: ColumnTable, right: ColumnTable): ColumnTable {
  const rightNames = new Set(right.columnNames());
  const keys = left.columnNames().filter((name) => rightNames.has(name));
  if (keys.length === 0) throw new Error(`cannot join tables with no column in common (${left.columnNames().join(', ')} / ${right.columnNames().join(', ')})`);
  if (keys.length === right.columnNames().length) return left;
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
    into.set(name, prior ? joinOnShared(prior, t) : t);
  }
}
