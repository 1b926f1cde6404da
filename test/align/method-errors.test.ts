// Issue 10, item 13: an error from a plugin method says where it came from. An exception thrown in
// a plugin's run() names the method, the plugin and the layer (the original kept as `cause`); a
// table that cannot be joined with the one of the same name names the method and the table.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import type { Method } from '../../src/align/methods/types.js';
import type { Table } from '../../src/tables/types.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probe } from '../../src/probe/probe.js';
import { newRun, referenceBackend } from '../run-dir/run-helpers.js';

const backend = referenceBackend();
const nets = [
  { name: 'netA', path: 'test/fixtures/e2e/netA' },
  { name: 'netB', path: 'test/fixtures/e2e/netB.npz' },
];

async function alignWith(method: Method, out = newRun('method-errors')) {
  await probe({ nets, out, backend: backend.get(), layers: ['fc'] });
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  registry.add({ meta: { name: 'oops', version: '1.0.0' }, methods: [method] }, 'oops.mjs');
  return align({ run: out, backend: backend.get(), registry: registry.methods, methods: [method.name] });
}

describe('errors of plugin methods', () => {
  it('an exception in run() names the method, the plugin and the layer, and keeps the original as cause', async () => {
    const kaboom = new Error('kaboom');
    const error = await alignWith({ name: 'boom', description: 'throws', run: () => { throw kaboom; } }).catch((e: Error) => e);
    expect((error as Error).message).toBe('method boom (plugin oops@1.0.0 (oops.mjs)), layer fc: kaboom');
    expect((error as Error).cause).toBe(kaboom);
  });

  it('a table named like align\'s own but with no column in common names the method and the table', async () => {
    const method: Method = { name: 'clash', description: 'a units table of its own', run: (ctx) => ({ tables: { units: ctx.table({ score: [1] }) } }) };
    await expect(alignWith(method)).rejects.toThrow(
      /^method clash \(plugin oops@1\.0\.0 \(oops\.mjs\)\), layer fc: table "units" shares no column with the "units" table already there from align or an earlier method \(layer, net, .* \/ score\), so they cannot be joined; rename the table$/,
    );
  });
});

// Issue 10 review: a method's tables are checked against the public, structural Table type, so a
// plugin may build its tables with any library, not only arquero (align copies them column by column).
describe('tables of plugin methods', () => {
  /** A table with exactly the members of the public Table type, and no arquero behind it. */
  function plainTable(columns: Record<string, unknown[]>): Table {
    const names = Object.keys(columns);
    const rows = columns[names[0]].length;
    return {
      columnNames: () => [...names],
      numRows: () => rows,
      objects: () => Array.from({ length: rows }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n][i]]))),
      array: (name) => columns[name],
    };
  }

  it('a table that is not an arquero table but has the Table members is written as returned', async () => {
    const method: Method = { name: 'plain', description: 'a table of its own making', run: () => ({ tables: { plain_counts: plainTable({ unit: [0, 1, 2], count: [3, 0, 7], tag: ['a', 'b', 'c'] }) } }) };
    const out = newRun('plain-table');
    await alignWith(method, out);
    expect(await readFile(join(out, 'tables', 'plain_counts.csv'), 'utf8')).toBe('unit,count,tag\n0,3,a\n1,0,b\n2,7,c\n');
  });
});
