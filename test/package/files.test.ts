// The published package holds what the library and CLI load at run time, and nothing else:
// every module reachable from the package's entry points (static and dynamic imports, worker URLs)
// is in `npm pack`'s file list, every bare import is a runtime dependency, and tests, sources,
// maps and trained nets stay out. scripts/check-package.sh (CI) installs the real tarball.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The files `npm pack` would put in the tarball (no build: dist/ is what the CLI tests run). */
function packedFiles(): Set<string> {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return new Set((JSON.parse(json)[0].files as { path: string }[]).map((f) => f.path));
}

/** Module specifiers a compiled file loads: imports, re-exports, dynamic imports, `new URL(..., import.meta.url)`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** Every file reachable from the entry points, and the bare packages they import. */
function reachable(entries: string[]): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const path = join(root, file);
    if (!existsSync(path)) continue; // reported by the test as a missing file
    for (const spec of specifiers(readFileSync(path, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(normalize(join(dirname(file), spec)));
      else bare.add(spec);
    }
  }
  return { files, bare };
}

/** The package name of a bare specifier: `@scope/name/sub` -> `@scope/name`, `yargs/helpers` -> `yargs`. */
const packageName = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

describe('the published package', () => {
  const packed = packedFiles();
  const entries = [pkg.main, pkg.bin.convergent, ...Object.values(pkg.exports as Record<string, { default: string }>).map((e) => e.default)]
    .map((p: string) => normalize(p));
  const { files, bare } = reachable(entries);

  it('ships every module the entry points load at run time', () => {
    expect(entries.length).toBeGreaterThan(2);
    expect(entries, 'the browser entry, the Node entry and the kernels').toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/node.js', 'dist/src/kernels/index.js'].map(normalize)));
    for (const entry of entries) expect(existsSync(join(root, entry)), `${entry} is built (npx tsc -p tsconfig.json)`).toBe(true);
    // Workers are loaded by URL, not import: the walk must have found them.
    expect([...files].some((f) => f.endsWith('worker.js'))).toBe(true);
    const missing = [...files].filter((f) => !packed.has(f));
    expect(missing, 'modules loaded at run time but left out by package.json "files"').toEqual([]);
  });

  it('ships the type entry points and the declarations they re-export', () => {
    const typeEntries = [pkg.types, ...Object.values(pkg.exports as Record<string, Record<string, string>>).flatMap((e) => [e.types, e['types@<6']])];
    for (const entry of typeEntries) {
      const file = normalize(entry);
      expect(packed.has(file), `${file} is in the package`).toBe(true);
      for (const spec of specifiers(readFileSync(join(root, file), 'utf8'))) {
        const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.d.ts');
        expect(packed.has(target), `${target}, re-exported by ${file}, is in the package`).toBe(true);
      }
    }
  });

  it('imports only Node built-ins and runtime dependencies', () => {
    const builtins = new Set(builtinModules);
    const runtime = new Set(Object.keys(pkg.dependencies));
    const notDeclared = [...bare].filter((s) => !s.startsWith('node:') && !builtins.has(s) && !runtime.has(packageName(s)));
    expect(notDeclared, 'bare imports that are not in "dependencies"').toEqual([]);
  });

  it('keeps `convergent/kernels` platform-neutral: no bare import, no `node:` module, from any file it reaches', () => {
    const kernels = reachable([normalize(pkg.exports['./kernels'].default)]);
    expect(kernels.files.size).toBeGreaterThan(10);
    expect([...kernels.bare], 'packages or node: modules imported by the kernels entry').toEqual([]);
  });

  it('leaves out tests, sources, maps, scripts and trained nets', () => {
    const stray = [...packed].filter((f) => /^(test|bench|scripts|assembly|shaders|src|cli|nets|runs|\.ci)\//.test(f) || f.endsWith('.map') || f.startsWith('dist/bench/'));
    expect(stray).toEqual([]);
    expect(packed.has('README.md')).toBe(true);
  });
});
