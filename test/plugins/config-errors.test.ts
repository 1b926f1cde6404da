// Issue 10, item 13: a config file of the wrong shape, and a plugin method that returns something
// other than tables, are refused naming the config file / the method, its plugin and the table,
// instead of "(config.plugins ?? []).map is not a function" or "prior.concat is not a function".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/plugins/load.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import type { MethodContext } from '../../src/align/methods/types.js';

const dir = mkdtempSync(join(tmpdir(), 'convergent-config-'));
const config = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readConfig', () => {
  it.each([
    ['plugins-string.json', '{ "plugins": "x.mjs" }', /"plugins" must be an array, got "x\.mjs"/],
    ['array.json', '["x.mjs"]', /expected \{ "plugins": \[/],
    ['null.json', 'null', /expected \{ "plugins": \[.*got null/],
    ['entry.json', '{ "plugins": [42] }', /plugins\[0\] must be a path or \{ "path": \.\.\., "options": \{\.\.\.\} \}, got 42/],
    ['options.json', '{ "plugins": [{ "path": "x.mjs", "options": [1] }] }', /plugins\[0\]\.options must be an object, got \[1\]/],
    ['typo.json', '{ "plugin": ["x.mjs"] }', /unknown key "plugin"/],
  ])('%s is refused, naming the file', async (name, text, message) => {
    const path = config(name, text);
    await expect(readConfig(path)).rejects.toThrow(`config ${path}: `);
    await expect(readConfig(path)).rejects.toThrow(message);
  });

  it('a good config resolves paths relative to the file', async () => {
    const path = config('good.json', '{ "plugins": ["p.mjs", { "path": "q.mjs", "options": { "k": 1 } }] }');
    expect((await readConfig(path)).plugins).toEqual([{ path: join(dir, 'p.mjs') }, { path: join(dir, 'q.mjs'), options: { k: 1 } }]);
  });
});

describe('method results are checked', () => {
  const registry = new PluginRegistry();
  registry.add(
    {
      meta: { name: 'bad-tables', version: '1.0.0' },
      methods: [
        { name: 'plain-table', description: 'returns a plain object as a table', run: () => ({ tables: { counts: { a: [1] } } as never }) },
        { name: 'nothing', description: 'returns nothing', run: () => undefined as never },
      ],
    },
    'bad.mjs',
  );
  const ctx = { layer: 'fc1' } as MethodContext;

  it('a plain object where a table belongs names the method, its plugin, the layer and the table', async () => {
    await expect(registry.methods.get('plain-table').run(ctx)).rejects.toThrow(
      'method plain-table (plugin bad-tables@1.0.0 (bad.mjs)), layer fc1: table "counts" is not a table (build it with ctx.table({ column: values, ... }))',
    );
  });

  it('a run() that returns no result object is refused', async () => {
    await expect(registry.methods.get('nothing').run(ctx)).rejects.toThrow('method nothing (plugin bad-tables@1.0.0 (bad.mjs)), layer fc1: run() must return an object { tables?, arrays? }, got undefined');
  });
});
