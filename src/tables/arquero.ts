// The bridge from the public Table type (src/tables/types.ts) to arquero, which implements it:
// tables built by align and by ctx.table() are arquero tables already; a table a plugin built
// some other way is copied column by column.
import { ColumnTable, table } from 'arquero';
import type { Table, TableColumns } from './types.js';

/** A table built from columns (arquero's table(), typed as the public Table). */
export function tableFromColumns(columns: TableColumns): ColumnTable {
  return table(columns as Record<string, unknown[]>);
}

/** `t` as an arquero ColumnTable, for joins, stacking and writing. */
export function asColumnTable(t: Table): ColumnTable {
  if (t instanceof ColumnTable) return t;
  const columns: Record<string, unknown[]> = {};
  for (const name of t.columnNames()) columns[name] = Array.from(t.array(name));
  return table(columns);
}
