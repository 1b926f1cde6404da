// `convergent merge` as a user runs it (the built CLI, dist/): parts made by `probe --shard K/N`
// merge into a run that `info` and `align` read as any run, with the single probe's tables; a
// refusal exits 1 with its message; no part named is refused in words.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convergent } from '../cli/helpers.js';
import { expectSameTables, tempDir, writeExactActivations } from './helpers.js';

describe('convergent merge', () => {
  it('merges parts of `probe --shard K/N` into a run that align reads like the single probe', () => {
    const dir = tempDir('cli');
    const nets = writeExactActivations(join(dir, 'nets'), 29).flatMap((n) => ['--net', `${n.name}=${n.path}`]);
    const ok = (args: string[]) => {
      const r = convergent([...args, '--backend', 'reference']);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    ok(['probe', ...nets, '--out', join(dir, 'single'), '--batch', '4', '--quiet']);
    for (const k of [0, 1, 2]) ok(['probe', ...nets, '--out', join(dir, `part${k}`), '--shard', `${k}/3`, '--batch', '4', '--quiet']);
    const merged = ok(['merge', join(dir, 'part2'), join(dir, 'part0'), join(dir, 'part1'), '--out', join(dir, 'run')]);
    expect(merged.stdout + merged.stderr).toMatch(/merged 3 parts \(29 items\), 2 layers, into .*run/);
    const info = JSON.parse(convergent(['info', join(dir, 'run'), '--format', 'json']).stdout) as { provenance?: { items: unknown } };
    expect(info.provenance?.items).toEqual({ start: 0, end: 29 });
    ok(['align', join(dir, 'single'), '--quiet']);
    ok(['align', join(dir, 'run'), '--quiet']);
    expectSameTables(join(dir, 'single'), join(dir, 'run'), ['units.csv', 'matches.csv', 'summary.csv'], 1e-12);

    const gap = convergent(['merge', join(dir, 'part0'), join(dir, 'part2'), '--out', join(dir, 'gap'), '--backend', 'reference']);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/the parts leave items 8 to 19 of the probe's 29 items uncovered; .*--allow-partial/);
    const none = convergent(['merge', '--out', join(dir, 'none')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/name the parts to merge: convergent merge PART\.\.\. --out RUN/);
  });
});
