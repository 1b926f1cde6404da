// The command line as a user runs it: the built CLI (dist/, made by `npm run build` before tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/cli/main.js';

function convergent(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('convergent CLI', () => {
  it('run --example: probes, aligns, prints the headline table and recovers the planted copies', () => {
    const out = mkdtempSync(join(tmpdir(), 'convergent-cli-'));
    const r = convergent(['run', '--example', '--out', out, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/convergent: backend wasm/);
    expect(r.stdout).toMatch(/layer\s+net A\s+net B\s+units\s+dead A\/B\s+semi r\s+bipartite r\s+same partner/);
    expect(r.stdout).toMatch(/conv1 +netA +netB/);
    expect(r.stdout).toMatch(/conv1: copy units recovered 12\/12 \(bipartite\), 12\/12 \(semi\)/);
    expect(r.stdout).toMatch(/fc1: copy units recovered 24\/24 \(bipartite\), 24\/24 \(semi\)/);
    for (const f of ['probe.json', 'summary.json', 'tables/matches.csv', 'tables/units.csv', 'tables/summary.csv', 'stats/fc1/corr.netA.netB.npy', 'stats/fc1/netB.std.npy']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const fc1 = summary.layers.find((l: { layer: string }) => l.layer === 'fc1');
    expect(fc1).toMatchObject({ units_a: 42, units_b: 42, dead_a: 2, dead_b: 1 });

    // align again with the example plugin and JSON tables
    const again = convergent(['align', out, '--plugin', 'examples/threshold-plugin.mjs', '--method', 'count-above', '--count-above.threshold', '0.9', '--format', 'json', '--backend', 'reference']);
    expect(again.code, again.stderr).toBe(0);
    const counts = JSON.parse(readFileSync(join(out, 'tables', 'count_above.json'), 'utf8'));
    const conv1 = counts.find((r: { layer: string }) => r.layer === 'conv1');
    // The 12 planted copies correlate at about 0.95; nothing else reaches 0.9.
    expect(conv1).toMatchObject({ net_a: 'netA', net_b: 'netB', threshold: 0.9, count_above: 12, count_above_ba: 12 });
  }, 180_000);

  it('lists methods, including those of a plugin', () => {
    const r = convergent(['methods', '--plugin', 'examples/threshold-plugin.mjs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bipartite/m);
    expect(r.stdout).toMatch(/^count-above .*plugin threshold-example@1.0.0/m);
    expect(r.stdout).toMatch(/--count-above\.threshold NUMBER\n +correlation a best partner must exceed \(default 0\.5\)/);
  });

  it('fails with a clear message and exit code 1 on bad input', () => {
    const out = mkdtempSync(join(tmpdir(), 'convergent-cli-bad-'));
    const oneNet = convergent(['probe', '--net', 'a=test/fixtures/e2e/netA', '--out', out]);
    expect(oneNet.code).toBe(1);
    expect(oneNet.stderr).toMatch(/convergent: error: at least two nets/);
    const badSpec = convergent(['probe', '--net', 'test/fixtures/e2e/netA', '--out', out]);
    expect(badSpec.stderr).toMatch(/--net expects NAME=PATH/);
    const missing = convergent(['probe', '--net', 'a=test/fixtures/e2e/netA', '--net', 'b=/nonexistent/x.npz', '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\/nonexistent\/x.npz/);
    const notRun = convergent(['align', out + '/nothing']);
    expect(notRun.stderr).toMatch(/is not a run directory/);
    const typo = convergent(['align', out, '--method', 'bipartit']);
    expect(typo.stderr).toMatch(/unknown method "bipartit"; available: activation-stats, bipartite, cca/);
  });
});
