// The public Table type (src/tables/types.ts) is structural: a plugin may return any object with
// columnNames/numRows/objects/array, not only arquero's tables, and it is joined, stacked and
// written like one (src/tables/arquero.ts copies it into arquero).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from 'arquero';
import { expect, it } from 'vitest';
import { mergeMethodTables, TableCollector } from '../../src/tables/combine.js';
import type { Table } from '../../src/tables/types.js';
import { writeTable } from '../../src/tables/write.js';

/** A table that is not arquero's: plain columns behind the four members of Table. */
function plainTable(columns: Record<string, unknown[]>): Table {
  const names = Object.keys(columns);
  const rows = columns[names[0]].length;
  return {
    columnNames: () => names,
    numRows: () => rows,
    objects: () => Array.from({ length: rows }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n][i]]))),
    array: (name) => columns[name],
  };
}

it('joins, stacks and writes a table that is not arquero', async () => {
  const layer = new Map<string, Table>();
  mergeMethodTables(layer, { matches: table({ unit: [0, 1], semi_partner: [1, 1] }) });
  mergeMethodTables(layer, { matches: plainTable({ unit: [0, 1], bipartite_partner: [1, 0] }) });
  mergeMethodTables(layer, { metrics: plainTable({ metric: ['cca'], value: [0.5] }) });
  mergeMethodTables(layer, { metrics: plainTable({ value: [0.25], metric: ['svcca'] }) });
  const collector = new TableCollector();
  collector.addLayer(layer);
  collector.addLayer(new Map([['metrics', plainTable({ metric: ['cka'], value: [0.75] })]]));
  expect(collector.get('matches')!.objects()).toEqual([
    { unit: 0, semi_partner: 1, bipartite_partner: 1 },
    { unit: 1, semi_partner: 1, bipartite_partner: 0 },
  ]);
  const metrics = collector.get('metrics')!;
  expect(metrics.numRows()).toBe(3);
  const dir = mkdtempSync(join(tmpdir(), 'convergent-table-'));
  const path = await writeTable(metrics, join(dir, 'metrics'), 'csv');
  try {
    expect(readFileSync(path, 'utf8')).toBe('metric,value\ncca,0.5\nsvcca,0.25\ncka,0.75\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
