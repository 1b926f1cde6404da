// The table type of the public API: what methods return, what align hands back, what the report
// reads. It is structural and small on purpose: arquero's ColumnTable (the implementation inside)
// satisfies it, but the package's declarations never name arquero, so a consumer's type check
// does not reach arquero's own declaration files (which do not pass `skipLibCheck: false`).
// To transform a table, pass its columns to arquero's `table()` (or any table library) yourself.

/** Columns by name, all of one length: what `MethodContext.table` turns into a Table. */
export type TableColumns = Record<string, unknown[] | ArrayLike<unknown>>;

export interface Table {
  /** The column names, in order. */
  columnNames(): string[];
  numRows(): number;
  /** The rows as objects keyed by column name. */
  objects(): object[];
  /** One column's values (a typed array for numeric columns built from one). */
  array(name: string): ArrayLike<unknown>;
}
