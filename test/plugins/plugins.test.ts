import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { table } from 'arquero';
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import type { Method } from '../../src/align/methods/types.js';
import { loadPlugin, readConfig } from '../../src/plugins/load.js';
import { PluginRegistry } from '../../src/plugins/registry.js';

const dummy = (name: string, tag = ''): Method => ({ name, description: `dummy ${tag}`, run: () => ({ tables: {} }) });

describe('plugin registry', () => {
  it('registers the built-ins through the plugin shape', () => {
    const r = new PluginRegistry();
    r.add(builtinPlugin, 'built-in');
    expect(r.methods.names()).toEqual(expect.arrayContaining(['bipartite', 'semi', 'linear-cka', 'cca', 'svcca', 'regression', 'procrustes', 'activation-stats']));
  });

  it('refuses a duplicate method name unless the plugin asks to override', () => {
    const r = new PluginRegistry();
    r.add(builtinPlugin, 'built-in');
    expect(() => r.add({ meta: { name: 'p', version: '1' }, methods: [dummy('semi')] }, 'p.mjs')).toThrow(
      /a method named "semi" is already registered by plugin convergent-builtin.*override: true/,
    );
    r.add({ meta: { name: 'p', version: '1' }, methods: [dummy('semi', 'mine')], override: true }, 'p.mjs');
    expect(r.methods.get('semi').description).toBe('dummy mine');
  });

  it('refuses duplicate reducers and commands too', () => {
    const r = new PluginRegistry();
    const reducer = { name: 'hist', description: '', create: () => ({ update() {}, finish: () => ({}) }) };
    const command = { name: 'hello', describe: '', handler() {} };
    r.add({ meta: { name: 'a', version: '1' }, reducers: [reducer], commands: [command] }, 'a');
    expect(() => r.add({ meta: { name: 'b', version: '1' }, reducers: [reducer] }, 'b')).toThrow(/reducer named "hist"/);
    expect(() => r.add({ meta: { name: 'c', version: '1' }, commands: [command] }, 'c')).toThrow(/command named "hello"/);
  });

  it('explains malformed plugins', () => {
    const r = new PluginRegistry();
    expect(() => r.add({} as never, 'x.mjs')).toThrow(/x.mjs: a plugin needs meta/);
    expect(() => r.add({ meta: { name: 'x', version: '1' }, methods: 'no' } as never, 'x.mjs')).toThrow(/"methods" must be an array/);
    expect(() => r.add({ meta: { name: 'x', version: '1' }, methods: [{ name: 'Bad Name', run() {} }] } as never, 'x.mjs')).toThrow(/lower-case/);
    expect(() => r.add({ meta: { name: 'x', version: '1' }, commands: [{ command: 'x' }] } as never, 'x.mjs')).toThrow(/yargs command module/);
  });

  it('loads a module by path, a factory or an object, and from a config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convergent-plugin-'));
    await writeFile(join(dir, 'obj.mjs'), `export default { meta: { name: 'obj', version: '0.1' }, methods: [] };`);
    await writeFile(join(dir, 'nodefault.mjs'), `export const x = 1;`);
    await writeFile(join(dir, 'broken.mjs'), `export default {`);
    expect((await loadPlugin(join(dir, 'obj.mjs'))).meta.name).toBe('obj');
    await expect(loadPlugin(join(dir, 'nodefault.mjs'))).rejects.toThrow(/has no default export/);
    await expect(loadPlugin(join(dir, 'broken.mjs'))).rejects.toThrow(/broken.mjs: cannot be imported/);
    await writeFile(join(dir, 'convergent.config.json'), JSON.stringify({ plugins: ['obj.mjs', { path: 'obj.mjs', options: { a: 1 } }] }));
    const config = await readConfig(join(dir, 'convergent.config.json'));
    expect(config.plugins.map((p) => p.path)).toEqual([join(dir, 'obj.mjs'), join(dir, 'obj.mjs')]);
    expect(config.plugins[1].options).toEqual({ a: 1 });
  });

  it('the example plugin counts units whose best partner exceeds the threshold', async () => {
    const plugin = await loadPlugin(resolve('examples/threshold-plugin.mjs'));
    const method = plugin.methods![0];
    expect(method.name).toBe('count-above');
    // Net A has 3 units, net B 2; correlations chosen by hand. A's unit 2 is dead (NaN row).
    const corrAB = Float64Array.of(0.9, 0.1, 0.4, 0.6, NaN, NaN);
    const corrBA = Float64Array.of(0.9, 0.4, NaN, 0.1, 0.6, NaN);
    const ctx = {
      layer: 'fc',
      samples: 10,
      nets: [{ name: 'A', units: 3 }, { name: 'B', units: 2 }],
      pairs: [[0, 1]],
      correlation: (a: number) => (a === 0 ? corrAB : corrBA),
      options: { threshold: 0.5 },
      table: (c: Record<string, unknown[]>) => table(c),
    } as never;
    const result = await method.run(ctx);
    const rows = result.tables!.count_above.objects();
    expect(rows).toEqual([{ layer: 'fc', net_a: 'A', net_b: 'B', threshold: 0.5, count_above: 2, count_above_ba: 2 }]);
    const strict = await method.run({ ...(ctx as object), options: { threshold: 0.7 } } as never);
    expect(strict.tables!.count_above.objects()[0]).toMatchObject({ count_above: 1, count_above_ba: 1 });
  });
});
