// Issue 10 review: a command that runs behind the native-noise filter re-runs the CLI as a child.
// The parent decides that before it loads the command modules (and the methods, plugins and
// kernels they import), so a filtered command loads them once, in the child, not twice.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_COMMAND_NAMES, COMMANDS_WITH_METHOD_OPTIONS, DEVICE_COMMANDS } from '../../cli/builtin-commands.js';
import { needsNativeFilter } from '../../cli/native-noise.js';
import { convergent } from './helpers.js';

/** The project's source files a module loads by its static (non-type) imports, transitively. */
function staticImportGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // `import x from './a.js'`, `import './a.js'`, `export { x } from './a.js'`; not `import type`.
    for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'(\.[^']+)\.js'/gm)) {
      visit(join(dirname(file), `${m[1]}.ts`));
    }
  };
  visit(entry);
  return new Set([...seen].map((f) => relative('.', f)));
}

describe('CLI start-up', () => {
  it('decides on the native-noise filter with no command module, plugin loader or method loaded', () => {
    const loaded = [...staticImportGraph('cli/main.ts')];
    expect(loaded).toContain('cli/native-noise.ts');
    expect(loaded.filter((f) => f.startsWith('cli/commands') || f.startsWith('src/align') || f.startsWith('src/plugins') || f === 'cli/plugins.ts')).toEqual([]);
  });

  it('reads --backend as yargs does: the last one given wins', () => {
    const env = { PATH: '' };
    expect(needsNativeFilter(['align', 'x', '--backend', 'webgpu', '--backend', 'wasm'], env)).toBe(false);
    expect(needsNativeFilter(['align', 'x', '--backend=wasm', '--backend=webgpu'], env)).toBe(true);
  });

  it('keeps its lists of built-in commands as subsets of the one list, which names every command', () => {
    for (const name of [...DEVICE_COMMANDS, ...COMMANDS_WITH_METHOD_OPTIONS]) expect(BUILTIN_COMMAND_NAMES).toContain(name);
    const help = convergent(['--help']);
    expect(help.code).toBe(0);
    for (const name of BUILTIN_COMMAND_NAMES) expect(help.stdout).toMatch(new RegExp(`convergent ${name}\\b`));
  });
});
