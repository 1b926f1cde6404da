// Issue 10, item 18: long steps show progress. align reports each layer x method step and the
// inner progress of long methods (sparse-prediction's units, clustering's pairs); on a terminal the
// CLI draws bars for them and for `report --format png`; off a terminal or with --quiet, no bar.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { CLI, convergent, exampleRun, tempDir } from './helpers.js';

let run: string;
beforeAll(() => {
  run = exampleRun();
});

const BAR = /\u001b\[|[█░]/;

/** `script` gives the CLI a terminal; where it is missing, the terminal tests are skipped. */
const hasScript = spawnSync('script', ['--version']).status === 0;

function onTerminal(args: string[]): string {
  const log = join(tempDir('tty'), 'typescript');
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  execFileSync('script', ['-qec', command, log], { stdio: 'ignore', env: { ...process.env, CI: '' } });
  return readFileSync(log, 'utf8');
}

describe('align progress', () => {
  it('reports every layer x method step, and the inner progress of sparse-prediction and spectral', async () => {
    const registry = new PluginRegistry();
    registry.add(builtinPlugin, 'built-in');
    const backend = await createBackend('reference');
    const steps: string[] = [];
    const inner: [string, number, number, string][] = [];
    let current = '';
    try {
      await align({
        run,
        backend,
        registry: registry.methods,
        methods: ['semi', 'sparse-prediction', 'spectral'],
        onMethod: (layer, method, step, count) => {
          current = `${layer} ${method}`;
          steps.push(`${current} ${step}/${count}`);
        },
        onMethodProgress: (done, total, unit) => inner.push([current, done, total, unit]),
      });
    } finally {
      await backend.dispose();
    }
    expect(steps).toEqual(['conv1 semi 0/6', 'conv1 sparse-prediction 1/6', 'conv1 spectral 2/6', 'fc1 semi 3/6', 'fc1 sparse-prediction 4/6', 'fc1 spectral 5/6']);
    // fc1: 40 and 41 live units, one pair: 81 targets in both directions; its last report is 81/81.
    const fc1Sparse = inner.filter(([step]) => step === 'fc1 sparse-prediction');
    expect(fc1Sparse.at(-1)).toEqual(['fc1 sparse-prediction', 81, 81, 'units']);
    expect(fc1Sparse.length).toBeGreaterThan(2);
    expect(inner.filter(([step]) => step === 'fc1 spectral').map(([, d, t, u]) => `${d}/${t} ${u}`)).toEqual(['0/1 pairs', '1/1 pairs']);
  });

  it('off a terminal and with --quiet: no bar', () => {
    const r = convergent(['align', run, '--method', 'sparse-prediction', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(BAR);
    const quiet = convergent(['align', run, '--method', 'sparse-prediction', '--backend', 'wasm', '--quiet']);
    expect(quiet.stderr).toBe('');
  });

  it.skipIf(!hasScript)('on a terminal: a bar over the steps and one over sparse-prediction units', () => {
    const screen = onTerminal(['align', run, '--method', 'sparse-prediction', '--backend', 'wasm']);
    expect(screen).toMatch(/align fc1 sparse-prediction +[█░]+ \d\/6 steps/);
    expect(screen).toMatch(/[█░]+ 81\/81 units/);
    expect(screen).toMatch(/convergent: \[sparse-prediction\] fc1 netA from netB: /);
  });

  it.skipIf(!hasScript)('report --format png on a terminal: a bar over the figures', () => {
    const screen = onTerminal(['report', run, '--format', 'png']);
    expect(screen).toMatch(/figures +[█░]+ \d+% \| (\d+)\/\1 PNG/);
  });
});
