// Writes tables where users expect them: CSV by default, or JSON rows, or Arrow IPC. Node-only.
import { toArrowIPC, toCSV, type ColumnTable } from 'arquero';
import { writeFile } from 'node:fs/promises';

export type TableFormat = 'csv' | 'json' | 'arrow';
export const TABLE_FORMATS: TableFormat[] = ['csv', 'json', 'arrow'];

/** Writes `table` to `basePath.<format>` and returns the path written. */
export async function writeTable(table: ColumnTable, basePath: string, format: TableFormat): Promise<string> {
  const path = `${basePath}.${format}`;
  if (format === 'csv') await writeFile(path, toCSV(table));
  else if (format === 'json') await writeFile(path, JSON.stringify(table.objects(), null, 1) + '\n');
  else await writeFile(path, toArrowIPC(table) as Uint8Array);
  return path;
}
