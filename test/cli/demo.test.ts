// `convergent demo` as a user runs it, shortened (two seeds, one epoch on 1,000 digits, 300
// held-out digits probed): trains, caches, probes, aligns, reports and prints the paper's table;
// a second run reuses the cached nets and gives the same table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/cli/main.js';

function demo(out: string, cache: string) {
  const args = ['demo', '--out', out, '--cache', cache, '--seeds', '1,2', '--epochs', '1', '--train-images', '1000', '--probe-images', '300', '--backend', 'wasm'];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The table's rows, keyed by layer: [units, dead..., semi r, bipartite r, same partner, pairs]. */
function tableRows(stdout: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (['conv1', 'conv2', 'fc1'].includes(cells[0])) rows.set(cells[0], cells.slice(1));
  }
  return rows;
}

describe('convergent demo (shortened)', () => {
  it('trains, probes the held-out digits, aligns and prints the table; a second run reuses the nets', () => {
    const root = mkdtempSync(join(tmpdir(), 'convergent-demo-'));
    const cache = join(root, 'cache');
    const first = demo(join(root, 'run1'), cache);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/training 2 LeNets \(seeds 1, 2\)/);
    expect(first.stdout).toMatch(/layer\s+units\s+dead units\s+rare units\s+semi r\s+bipartite r\s+same partner\s+pairs/);
    const rows = tableRows(first.stdout);
    expect([...rows.keys()]).toEqual(['conv1', 'conv2', 'fc1']);
    expect(rows.get('conv1')![0]).toBe('20');
    expect(rows.get('conv2')![0]).toBe('50');
    expect(rows.get('fc1')![0]).toBe('500');
    for (const cells of rows.values()) {
      const [semi, bipartite] = cells.slice(-4, -2).map(Number);
      // Correlations of best partners: in (0, 1], and semi-matching is never worse than one-to-one.
      expect(semi).toBeGreaterThan(0);
      expect(semi).toBeLessThanOrEqual(1);
      expect(semi).toBeGreaterThanOrEqual(bipartite);
    }
    const accuracy = /accuracy: seed1 ([\d.]+)%, seed2 ([\d.]+)%/.exec(first.stdout);
    expect(accuracy, first.stdout).not.toBeNull();
    // One epoch on 1,000 digits: far above chance (10 %), far from the full recipe.
    expect(Number(accuracy![1])).toBeGreaterThan(30);
    const run1 = join(root, 'run1');
    for (const f of ['probe.json', 'report.html', 'tables/matches.csv', 'summary.json', 'nets/lenet-seed1.onnx', 'reducers/topk/conv1/seed1/0.png']) {
      expect(existsSync(join(run1, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(run1, 'probe.json'), 'utf8'));
    expect(manifest.data.items).toBe(300);
    expect(manifest.nets.map((n: { accuracy?: number }) => typeof n.accuracy)).toEqual(['number', 'number']);
    expect(readdirSync(join(cache, 'nets')).filter((f) => f.endsWith('.onnx'))).toHaveLength(2);

    const second = demo(join(root, 'run2'), cache);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/reusing the nets of seeds 1, 2/);
    expect(second.stderr).not.toMatch(/training/);
    expect(tableRows(second.stdout)).toEqual(rows);
  }, 300_000);
});
