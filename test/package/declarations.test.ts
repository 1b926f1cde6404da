// The published declarations never reach arquero's or flechette's own: a consumer type-checking
// with `skipLibCheck: false` checks every .d.ts its imports reach, and those two packages ship
// declaration errors of their own (arquero's ColumnTable.d.ts: TS2370/TS1047; flechette's
// table.d.ts: TS7008). The public types use convergent's structural Table instead
// (src/tables/types.ts). This follows the type imports from the package's type entry points
// through dist/ (built by `npx tsc -p tsconfig.json`, as the CLI tests need);
// scripts/check-package.sh type-checks a real consumer against the packed tarball.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const ENTRY_POINTS = ['types/index.d.ts', 'types/kernels.d.ts', 'types/node.d.ts', 'types/ts5/index.d.ts', 'types/ts5/kernels.d.ts', 'types/ts5/node.d.ts'];
/** The browser entries' type entry points: what a web project's TypeScript reads. */
const BROWSER_ENTRY_POINTS = ['types/index.d.ts', 'types/kernels.d.ts', 'types/ts5/index.d.ts', 'types/ts5/kernels.d.ts'];

/** Module specifiers a declaration file loads: imports, re-exports, `import("...")` types, references. */
function declarationSpecifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\s*['"]([^'"]+)['"]/g, /\/\/\/\s*<reference\s+(?:path|types)=['"]([^'"]+)['"]/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Every declaration file reachable from the entry points, and the bare packages they name. */
function reachable(entryPoints = ENTRY_POINTS): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entryPoints.map((p) => normalize(p));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of declarationSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (spec.startsWith('.')) queue.push(normalize(join(dirname(file), spec.replace(/\.js$/, '.d.ts'))));
      else packages.set(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'), file);
    }
  }
  return { files, packages };
}

it('no public declaration file imports arquero or @uwdata/flechette', () => {
  const { files, packages } = reachable();
  expect(files.has(normalize('dist/src/align/methods/types.d.ts'))).toBe(true);
  expect(files.has(normalize('dist/src/align/align.d.ts'))).toBe(true);
  const offending = ['arquero', '@uwdata/flechette'].filter((name) => packages.has(name)).map((name) => `${name} (from ${packages.get(name)})`);
  expect(offending).toEqual([]);
});

it('the node entry\'s declarations reach the run-directory API; the browser entries\' name no Node module', () => {
  expect(reachable().files.has(normalize('dist/src/node.d.ts'))).toBe(true);
  const { files, packages } = reachable(BROWSER_ENTRY_POINTS);
  expect(files.has(normalize('dist/src/node.d.ts'))).toBe(false);
  const nodeOnly = [...packages].filter(([name]) => name.startsWith('node:') || name === '@types/node').map(([name, from]) => `${name} (from ${from})`);
  expect(nodeOnly).toEqual([]);
});
