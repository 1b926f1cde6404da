// Issue 10, items 12 and 13: what the command line does not understand is refused, naming it,
// before anything is written or a device is opened: unknown flags, method options that are unknown
// or belong to a method that does not run, and numeric flags out of range.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_THREADS } from '../../cli/flags.js';
import { convergent, exampleRun, tempDir } from './helpers.js';

let run: string;
beforeAll(() => {
  run = exampleRun();
});

/** Fails with exactly one line on stderr: no output, no device messages. */
function refused(args: string[]): string {
  const r = convergent(args);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
  return r.stderr.trim();
}

const nets = ['--net', 'a=test/fixtures/e2e/netA', '--net', 'b=test/fixtures/e2e/netB.npz'];

describe('unknown flags', () => {
  it('a misspelt flag is refused by name, and nothing is probed', () => {
    const out = join(tempDir('limt'), 'run');
    expect(refused(['probe', ...nets, '--out', out, '--limt', '5'])).toBe('convergent: error: Unknown argument: limt');
    expect(existsSync(out)).toBe(false);
    expect(refused(['align', run, '--formt', 'json'])).toMatch(/Unknown argument: formt/);
    expect(refused(['methods', '--verbos'])).toMatch(/Unknown argument: verbos/);
  });
});

describe('method and reducer options', () => {
  it('an option of a method that does not run is refused, naming it and how to run it', () => {
    expect(refused(['align', run, '--spectral.k', '3'])).toBe(
      'convergent: error: --spectral.k is given but spectral does not run here (running: semi, bipartite); add --method spectral',
    );
  });

  it('an unknown method, an unknown option and a wrongly typed value are refused', () => {
    expect(refused(['align', run, '--spectrl.k', '3'])).toMatch(/unknown option --spectrl\.k: no method or reducer is named "spectrl"/);
    expect(refused(['align', run, '--method', 'spectral', '--spectral.kk', '3'])).toMatch(/unknown option --spectral\.kk: spectral has the options --spectral\.k, --spectral\.max-k/);
    expect(refused(['align', run, '--method', 'spectral', '--spectral.k', 'three'])).toMatch(/--spectral\.k expects a number, got "three"/);
    expect(refused(['align', run, '--method', 'mi', '--mi.miller-madow=maybe'])).toMatch(/--mi\.miller-madow is a switch/);
  });

  it('commands that run no method refuse method options; probe takes reducer options only with the reducer', () => {
    expect(refused(['report', run, '--hac.k', '2'])).toBe('convergent: error: --hac.k: `report` takes no method or reducer options');
    const out = join(tempDir('probe-opts'), 'run');
    expect(refused(['probe', ...nets, '--out', out, '--mi-histograms.bins', '4'])).toMatch(/--mi-histograms\.bins is given but `probe` runs no methods or reducers; add --reducer mi-histograms/);
    expect(refused(['probe', ...nets, '--out', out, '--mi.bins', '4'])).toMatch(/--mi\.bins is given but `probe` runs no methods or reducers/);
    expect(existsSync(out)).toBe(false);
  });

  it('a valid option reaches its method (a switch with no value, a number with =)', () => {
    const r = convergent(['align', run, '--method', 'spectral', '--spectral.k=3', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[spectral\] conv1 netA\/netB: \d+ live units in 3 clusters\n/);
  });
});

describe('numeric flags', () => {
  it.each(['0', '-3', '1.5', 'abc', String(MAX_THREADS + 1)])('--threads %s is refused', (value) => {
    expect(refused(['align', run, '--threads', value, '--backend', 'wasm'])).toBe(`convergent: error: --threads expects an integer from 1 to ${MAX_THREADS}, got "${value}"`);
  });

  it.each([
    ['--top-k', '-1', 'an integer from 0 to 1000'],
    ['--limit', '-5', 'an integer 1 or more'],
    ['--limit', '0', 'an integer 1 or more'],
    ['--batch', '2.5', 'an integer 1 or more'],
  ])('probe %s %s is refused before anything is written', (flag, value, what) => {
    const out = join(tempDir('numeric'), 'run');
    expect(refused(['probe', ...nets, '--out', out, flag, value])).toBe(`convergent: error: ${flag} expects ${what}, got "${value}"`);
    expect(existsSync(out)).toBe(false);
  });

  it('image preprocessing values are checked', () => {
    const out = join(tempDir('std'), 'run');
    expect(refused(['probe', ...nets, '--out', out, '--data', 'x.npy', '--std', '0'])).toMatch(/--std expects positive numbers \(one, or one per channel\), got 0/);
    expect(refused(['probe', ...nets, '--out', out, '--data', 'x.npy', '--scale', '-1'])).toMatch(/--scale expects a positive number, got "-1"/);
  });
});

describe('values out of range, refused before any work (issue 10, item 12 follow-up)', () => {
  it.each([
    ['hac', '--hac.k', '-2', 'method hac: option k must be an integer >= 0, got "-2"'],
    ['spectral', '--spectral.affinity', 'foo', 'method spectral: option affinity must be one of square, abs, positive, positive-square, got "foo"'],
    ['svcca', '--svcca.keep', '2', 'method svcca: option keep must be in (0, 1], got "2"'],
    ['sparse-prediction', '--sparse-prediction.alphas', 'abc', 'sparse-prediction: option alphas must be non-negative numbers, got "abc"'],
  ])('run --method %s %s %s: refused before the probe, nothing written', (method, flag, value, message) => {
    const out = join(tempDir('range'), 'run');
    expect(refused(['run', ...nets, '--out', out, '--method', method, flag, value, '--backend', 'wasm'])).toBe(`convergent: error: ${message}`);
    expect(existsSync(out)).toBe(false);
  });

  it('align refuses such a value before the backend is opened', () => {
    expect(refused(['align', run, '--method', 'hac', '--hac.k', '-2', '--backend', 'wasm'])).toBe('convergent: error: method hac: option k must be an integer >= 0, got "-2"');
  });

  it.each([
    ['--lr', '-1', 'a positive number'],
    ['--momentum', '2', 'a number in [0, 1)'],
    ['--weight-decay', '-5', 'a number >= 0'],
  ])('train %s %s is refused while the command line is read', (flag, value, what) => {
    const model = join(tempDir('train-flags'), 'm.onnx');
    expect(refused(['train', '--out', model, '--data', '/nonexistent/digits', flag, value])).toBe(`convergent: error: ${flag} expects ${what}, got "${value}"`);
  });

  it('a --net (or --layer, --method) with no value is refused naming the flag, not ignored', () => {
    const out = join(tempDir('bare-net'), 'run');
    expect(refused(['run', ...nets, '--out', out, '--net'])).toBe('convergent: error: --net needs a value');
    expect(refused(['run', ...nets, '--out', out, '--layer'])).toBe('convergent: error: --layer needs a value');
    expect(refused(['run', ...nets, '--out', out, '--method'])).toBe('convergent: error: --method needs a value');
    expect(existsSync(out)).toBe(false);
  });
});
