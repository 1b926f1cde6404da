// Issue 10, item 6: --method adds to the default methods (semi, bipartite), as the README says;
// --only-methods runs just the named ones. The README's plugin example prints a full headline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convergent, exampleRun } from './helpers.js';

let run: string;
beforeAll(() => {
  run = exampleRun();
});

const fullRow = /^conv1 +netA +netB +24 +\d+\/\d+ +0\.\d{3} +0\.\d{3} +\d+%$/m;

describe('--method and --only-methods', () => {
  it("the README's plugin example: --method count-above adds to semi and bipartite, the headline is full", () => {
    const r = convergent(['align', run, '--plugin', 'examples/threshold-plugin.mjs', '--method', 'count-above', '--count-above.threshold', '0.8', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(fullRow);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).methods).toEqual(['semi', 'bipartite', 'count-above']);
  });

  it('a default named again runs once', () => {
    const r = convergent(['align', run, '--method', 'bipartite', '--method', 'linear-cka', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).methods).toEqual(['semi', 'bipartite', 'linear-cka']);
  });

  it('--only-methods runs the named methods alone, and needs one', () => {
    const r = convergent(['align', run, '--only-methods', '--method', 'linear-cka', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).methods).toEqual(['linear-cka']);
    expect(r.stdout).not.toMatch(fullRow);
    const none = convergent(['align', run, '--only-methods', '--backend', 'wasm']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('convergent: error: --only-methods needs at least one --method NAME\n');
  });
});
