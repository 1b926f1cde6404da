// Writes tables where users expect them: CSV by default, or JSON rows, or Arrow IPC. Node-only.
// Each file is written atomically (a temporary file renamed over the target).
import { toArrowIPC, toCSV } from 'arquero';
import { basename } from '../platform/node-path.js';
import { writeFileAtomic } from '../run-dir/atomic-write.js';
import { isPlainFileName } from '../run-dir/layout.js';
import { asColumnTable } from './arquero.js';
import type { Table } from './types.js';

export type TableFormat = 'csv' | 'json' | 'arrow';
export const TABLE_FORMATS: TableFormat[] = ['csv', 'json', 'arrow'];

/**
 * Table names become file names (tables/<name>.<format>): like array names, letters, digits, '.',
 * '_' and '-' only, not starting with '.', so that no name reaches outside the tables folder.
 */
export function tableNameProblem(name: string): string | undefined {
  if (!isPlainFileName(name)) return `may use letters, digits, '.', '_' and '-' only, and may not start with '.'`;
  if (name.length > 200) return 'is longer than 200 characters';
  return undefined;
}

/** Writes `table` to `basePath.<format>` and returns the path written. */
export async function writeTable(table: Table, basePath: string, format: TableFormat): Promise<string> {
  const problem = tableNameProblem(basename(basePath));
  if (problem) throw new Error(`table name "${basename(basePath)}" ${problem}`);
  const path = `${basePath}.${format}`;
  if (format === 'csv') await writeFileAtomic(path, toCSV(asColumnTable(table)));
  else if (format === 'json') await writeFileAtomic(path, JSON.stringify(table.objects(), null, 1) + '\n');
  else await writeFileAtomic(path, toArrowIPC(asColumnTable(table)) as Uint8Array);
  return path;
}
