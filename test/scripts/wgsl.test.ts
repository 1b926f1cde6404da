// The embed step's shader processing (scripts/wgsl.mjs): includes and uniform layouts.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the build scripts, without types.
import { resolveIncludes, uniformLayouts } from '../../scripts/wgsl.mjs';
import { shaderSources } from '../../src/generated/shaders.js';
import { uniformLayouts as embeddedLayouts } from '../../src/generated/uniform-layouts.js';

const files = (map: Record<string, string>) => (name: string) => map[name];

describe('shader includes', () => {
  it('replaces an include line by the file, once per shader', () => {
    const read = files({
      'main.wgsl': '//#include "common/a.wgsl"\n//#include "common/b.wgsl"\nfn main() {}\n',
      'common/a.wgsl': 'fn a() {}\n',
      'common/b.wgsl': '//#include "common/a.wgsl"\nfn b() {}\n',
    });
    const out: string = resolveIncludes('main.wgsl', read);
    expect(out.match(/fn a\(\)/g)).toHaveLength(1);
    expect(out.indexOf('fn a()')).toBeLessThan(out.indexOf('fn b()'));
    expect(out).toContain('fn main() {}');
    expect(out).not.toContain('//#include');
  });

  it('names the missing file and who included it', () => {
    const read = files({ 'main.wgsl': '//#include "common/none.wgsl"\n' });
    expect(() => resolveIncludes('main.wgsl', read)).toThrow('shader include: no file shaders/common/none.wgsl (included from main.wgsl)');
  });

  it('refuses a cycle, naming its chain', () => {
    const read = files({
      'main.wgsl': '//#include "common/a.wgsl"\n',
      'common/a.wgsl': '//#include "common/b.wgsl"\n',
      'common/b.wgsl': '//#include "common/a.wgsl"\n',
    });
    expect(() => resolveIncludes('main.wgsl', read)).toThrow('shader include cycle: main.wgsl -> common/a.wgsl -> common/b.wgsl -> common/a.wgsl');
  });
});

describe('uniform layouts read from the WGSL structs', () => {
  it('follows the WGSL alignment rules for scalars, vec4 and vec4 arrays', () => {
    const source = `struct P {
      a: u32, // a comment, with a comma
      b: f32,
      c: i32,
      v: vec4<u32>,
      list: array<vec4<u32>, 2>,
      pad: u32, // a real field (a conv's padding), unlike pad0 and _pad0
      _pad0: u32,
      pad1: u32,
    }
    @group(0) @binding(0) var<uniform> p: P;`;
    const layout = uniformLayouts('test', source)[0];
    expect(layout.fields.map((f: { name: string; offset: number; padding: boolean }) => [f.name, f.offset, f.padding])).toEqual([
      ['a', 0, false],
      ['b', 4, false],
      ['c', 8, false],
      ['v', 16, false],
      ['list', 32, false],
      ['pad', 64, false],
      ['_pad0', 68, true],
      ['pad1', 72, true],
    ]);
    expect(layout.size).toBe(80);
  });

  it('refuses a field type the host cannot pack', () => {
    expect(() => uniformLayouts('test', 'struct P { m: mat4x4<f32>, }\n@group(0) @binding(0) var<uniform> p: P;')).toThrow(
      'shaders/test.wgsl, struct P: uniform field type mat4x4<f32> is not one the host can pack',
    );
  });

  it('src/generated matches shaders/ as they are now (run npm run build:kernels if not)', () => {
    const dir = join(__dirname, '../../shaders');
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
    const names = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
    expect(Object.keys(shaderSources).sort()).toEqual(names.map((f) => f.replace(/\.wgsl$/, '')).sort());
    for (const f of names) {
      const name = f.replace(/\.wgsl$/, '');
      const code = resolveIncludes(f, read);
      expect(shaderSources[name]).toBe(code);
      expect(embeddedLayouts[name]).toEqual(uniformLayouts(name, code));
    }
  });
});
