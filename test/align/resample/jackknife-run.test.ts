// `run --blocks B`: the jackknife standard errors and intervals of the headline numbers against a
// direct numpy/scipy jackknife over the same blocks (scripts/fixtures/jackknife.py).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromCSV } from 'arquero';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/run-dir/npy-write.js';
import { convergent, tempDir } from '../../cli/helpers.js';

interface Fixture {
  items: number;
  blocks: number;
  batch: number;
  positions: Record<string, number>;
  activations: Record<string, Record<string, number[][]>>;
  expected: Expected;
  parts: [number, number][];
  expectedParts: Expected;
  semiIntervals: { unit: number; partner: number; r: number; lo: number; hi: number }[];
}
type Expected = Record<string, Record<string, { estimate: number; se: number; lo: number; hi: number }>>;
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/resample/jackknife.json', import.meta.url), 'utf8')) as Fixture;

function writeNets(dir: string): string[] {
  const args: string[] = [];
  for (const [net, layers] of Object.entries(fixture.activations)) {
    const path = join(dir, net);
    mkdirSync(path, { recursive: true });
    for (const [layer, rows] of Object.entries(layers)) {
      const p = fixture.positions[layer];
      const units = rows[0].length / p;
      const shape = p === 1 ? [fixture.items, units] : [fixture.items, units, 2, 2];
      writeFileSync(join(path, `${layer}.npy`), encodeNpy(Float64Array.from(rows.flat()), shape));
    }
    args.push('--net', `${net}=${path}`);
  }
  return args;
}

function table(run: string, name: string): Record<string, unknown>[] {
  return fromCSV(readFileSync(join(run, 'tables', `${name}.csv`), 'utf8')).objects() as Record<string, unknown>[];
}

function close(actual: unknown, expected: number, what: string): void {
  expect(typeof actual, what).toBe('number');
  expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

describe('jackknife intervals of a --blocks run', () => {
  it('equal a direct numpy jackknife over the same blocks, within 1e-9', () => {
    const dir = tempDir('jackknife');
    const run = join(dir, 'run');
    const r = convergent(['run', ...writeNets(dir), '--out', run, '--blocks', String(fixture.blocks), '--batch', String(fixture.batch), '--backend', 'reference', '--method', 'cca', '--method', 'linear-cka', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expectIntervals(run, fixture.expected);
    // Each matched pair's correlation gets a Fisher-z interval with the images as the sample size:
    // scipy.stats.pearsonr(...).confidence_interval(0.95) where a sample is an image (fc).
    const matches = table(run, 'matches').filter((m) => m.layer === 'fc' && m.net_a === 'netA');
    for (const want of fixture.semiIntervals) {
      const row = matches.find((m) => m.unit_a === want.unit)!;
      expect(row.semi_unit_b).toBe(want.partner);
      close(row.semi_corr, want.r, `fc unit ${want.unit} semi_corr`);
      close(row.semi_corr_lo, want.lo, `fc unit ${want.unit} semi_corr_lo`);
      close(row.semi_corr_hi, want.hi, `fc unit ${want.unit} semi_corr_hi`);
    }
    // conv: the same interval with the 93 images, not the 372 samples, as the sample size.
    const conv = table(run, 'matches').filter((m) => m.layer === 'conv' && m.bipartite_corr !== null);
    expect(conv.length).toBeGreaterThan(0);
    for (const m of conv) {
      const half = 1.959963984540054 / Math.sqrt(fixture.items - 3);
      close(m.bipartite_corr_lo, Math.tanh(Math.atanh(m.bipartite_corr as number) - half), 'conv bipartite_corr_lo');
      close(m.bipartite_corr_hi, Math.tanh(Math.atanh(m.bipartite_corr as number) + half), 'conv bipartite_corr_hi');
    }
    const record = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { resampling: Record<string, { intervals: { blocks: number; repeated: string[] } }> };
    expect(record.resampling.fc.intervals.blocks).toBe(fixture.blocks);
    expect(record.resampling.conv.intervals.repeated).toEqual(['semi', 'bipartite', 'cca', 'linear-cka']);
  });

  it('of a merged sharded probe take its parts as the blocks', () => {
    const dir = tempDir('jackknife-parts');
    const nets = writeNets(dir);
    const parts = fixture.parts.map((_, k) => join(dir, `part${k}`));
    parts.forEach((out, k) => {
      const r = convergent(['probe', ...nets, '--out', out, '--shard', `${k}/${parts.length}`, '--batch', String(fixture.batch), '--backend', 'reference', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
    });
    const run = join(dir, 'run');
    const merged = convergent(['merge', ...parts, '--out', run, '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const aligned = convergent(['align', run, '--backend', 'reference', '--method', 'cca', '--method', 'linear-cka', '--quiet']);
    expect(aligned.code, aligned.stderr).toBe(0);
    expectIntervals(run, fixture.expectedParts);
    const record = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { resampling: Record<string, { intervals: { source: string; blocks: number } }> };
    expect(record.resampling.fc.intervals).toMatchObject({ source: 'parts', blocks: 3 });
    // --no-intervals: the same tables without the repeated methods' columns.
    const plain = convergent(['align', run, '--backend', 'reference', '--method', 'cca', '--method', 'linear-cka', '--no-intervals', '--quiet']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(Object.keys(table(run, 'summary')[0]).filter((c) => /_(se|lo|hi)$/.test(c))).toEqual([]);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).resampling).toBeUndefined();
  });
});

function expectIntervals(run: string, expected: Expected): void {
  const summary = table(run, 'summary');
  const metrics = table(run, 'metrics');
  for (const [layer, stats] of Object.entries(expected)) {
    for (const [key, want] of Object.entries(stats)) {
      const [kind, name] = key.split(':');
      if (kind === 'summary') {
        const row = summary.find((s) => s.layer === layer)!;
        close(row[name], want.estimate, `${layer} ${name}`);
        close(row[`${name}_se`], want.se, `${layer} ${name}_se`);
        close(row[`${name}_lo`], want.lo, `${layer} ${name}_lo`);
        close(row[`${name}_hi`], want.hi, `${layer} ${name}_hi`);
      } else {
        const row = metrics.find((m) => m.layer === layer && m.metric === name)!;
        close(row.value, want.estimate, `${layer} ${name}`);
        close(row.value_se, want.se, `${layer} ${name} se`);
        close(row.value_lo, want.lo, `${layer} ${name} lo`);
        close(row.value_hi, want.hi, `${layer} ${name} hi`);
      }
    }
  }
}
