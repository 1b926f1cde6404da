// `convergent probe --resume` as a user meets it after a crash (the built CLI, dist/): a probe of
// activation files killed by SIGKILL or SIGINT after a checkpoint (drawn by a seeded generator,
// in either layer, in either pass of mi-histograms), or in the middle of writing one (the power
// cut: a half-written .checkpoint-new beside the good .checkpoint, or between the two renames that
// swap it in), or just after a layer was recorded, resumes with the same command plus --resume and
// ends with the uninterrupted probe's files, byte for byte, and the same tables after align.
// test/cli/resume-onnx.test.ts does the same for ONNX nets; test/probe/resume.test.ts refuses
// resumes with other inputs. The kill points are steps of the probe, not moments in time
// (test/cli/kill-helpers.ts).
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPaths } from '../../src/run-dir/layout.js';
import { tempDir, writeExactActivations } from '../merge/helpers.js';
import { expectSameRun, seededPoints } from '../probe/resume-helpers.js';
import { convergent } from './helpers.js';
import { checkpointPosition, countSteps, runKilledAt, type KillStep } from './kill-helpers.js';

describe('probe --resume after a kill (activation files)', () => {
  const dir = tempDir('cli-resume');
  const nets = writeExactActivations(join(dir, 'nets'), 29).flatMap((n) => ['--net', `${n.name}=${n.path}`]);
  // conv: 29 items x 6 positions, fc: 29 rows; 8 batches of 4 items each, a checkpoint after each but the last.
  const line = (out: string, more: string[] = []) => ['probe', ...nets, '--out', out, '--batch', '4', '--checkpoint-every', '1batch', '--backend', 'reference', '--quiet', ...more];
  const whole = join(dir, 'whole');
  let checkpoints = 0;
  beforeAll(() => {
    const r = countSteps(line(whole));
    expect(r.code, r.stderr).toBe(0);
    checkpoints = r.counts.checkpoint ?? 0;
  });

  /** Kills the probe at the n-th `step`, checks what it left, resumes it and compares it with the whole. */
  function killAndResume(name: string, step: KillStep, n: number, signal: NodeJS.Signals, left: (out: string) => void, more: string[] = [], reference = whole): string {
    const out = join(dir, name);
    const killed = runKilledAt(line(out, more), step, n, signal);
    expect(killed.signal, `the probe ran to its end instead of being killed: ${killed.stderr}`).toBe(signal);
    left(out);
    const resumed = convergent(line(out, [...more, '--resume']));
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameRun(reference, out);
    return out;
  }

  it('killed after checkpoints drawn in either layer (SIGKILL), or interrupted (SIGINT), resumes to the same files and tables', () => {
    expect(checkpoints).toBe(14);
    const [inConv, inFc, interrupted] = [seededPoints(7, 1, 3)[0], 7 + seededPoints(7, 1, 4)[0], seededPoints(14, 1, 5)[0]];
    killAndResume('conv-kill', 'checkpoint', inConv, 'SIGKILL', (out) => {
      expect(checkpointPosition(out)).toEqual({ layer: 'conv', pass: 0, samplesDone: inConv * 24 });
      expect(existsSync(runPaths.lock(out)), 'a killed probe leaves its lock (taken over by the resume)').toBe(true);
    });
    const fc = killAndResume('fc-kill', 'checkpoint', inFc, 'SIGKILL', (out) => {
      expect(checkpointPosition(out)).toEqual({ layer: 'fc', pass: 0, samplesDone: (inFc - 7) * 4 });
    });
    killAndResume('interrupted', 'checkpoint', interrupted, 'SIGINT', (out) => {
      expect(existsSync(runPaths.lock(out)), 'SIGINT releases the lock').toBe(false);
      expect(existsSync(join(out, '.checkpoint', 'meta.json'))).toBe(true);
    });
    const aligned = [whole, fc].map((run) => {
      const copy = `${run}-aligned`;
      cpSync(run, copy, { recursive: true });
      expect(convergent(['align', copy, '--backend', 'reference', '--quiet']).code).toBe(0);
      return copy;
    });
    expect(readdirSync(join(aligned[0], 'tables')).length).toBeGreaterThan(0);
    expectSameRun(aligned[0], aligned[1]); // the tables and stats too
  });

  it('killed while writing a checkpoint (a power cut) continues from the last complete one', () => {
    const [n, m] = seededPoints(12, 2, 6).map((k) => k + 1); // 2..13: an earlier checkpoint exists
    killAndResume('half-written', 'checkpoint-meta', n, 'SIGKILL', (out) => {
      // The new checkpoint has every state but not its meta.json: the previous one is used.
      expect(existsSync(join(out, '.checkpoint-new'))).toBe(true);
      expect(existsSync(join(out, '.checkpoint-new', 'meta.json'))).toBe(false);
      expect(readdirSync(join(out, '.checkpoint-new')).length).toBeGreaterThan(0);
      expect(checkpointPosition(out).samplesDone).toBe(n <= 8 ? (n - 1) * 24 : (n - 8) * 4);
    });
    killAndResume('mid-swap', 'checkpoint-swap', m, 'SIGKILL', (out) => {
      // The old checkpoint moved aside, the new one complete but not yet in place: the new one is used.
      // (The first checkpoint has nothing to swap out: the m-th swap is that of checkpoint m + 1.)
      expect(existsSync(join(out, '.checkpoint'))).toBe(false);
      expect(checkpointPosition(out, '.checkpoint-old')).toBeDefined();
      expect(checkpointPosition(out, '.checkpoint-new').samplesDone).toBe(m + 1 <= 7 ? (m + 1) * 24 : (m + 1 - 7) * 4);
    });
    killAndResume('first-half-written', 'checkpoint-meta', 1, 'SIGKILL', (out) => {
      // No complete checkpoint at all: the layer starts again.
      expect(readdirSync(out).filter((e) => e.startsWith('.checkpoint'))).toEqual(['.checkpoint-new']);
    });
  });

  it('killed just after the first layer was recorded resumes with the second layer, not the first layer\'s checkpoint', () => {
    killAndResume('layer-done', 'manifest', 2, 'SIGKILL', (out) => {
      expect(checkpointPosition(out)).toEqual({ layer: 'conv', pass: 0, samplesDone: 7 * 24 });
      expect(existsSync(join(out, 'moments', 'conv', 'm2.npy'))).toBe(true);
      expect(existsSync(join(out, 'moments', 'fc'))).toBe(false);
    });
  });

  it('killed while writing a finished layer\'s moments resumes to the same files, with no temporary file left', () => {
    killAndResume('layer-write', 'moments-file', 2, 'SIGKILL', (out) => {
      // mean.npy is in place; m2.npy is only in its temporary file.
      const files = readdirSync(join(out, 'moments', 'conv'));
      expect(files).toContain('mean.npy');
      expect(files.filter((f) => /^\.m2\.npy\.\d+\.\d+\.tmp$/.test(f))).toHaveLength(1);
    });
  });

  it('with mi-histograms, killed in its second pass, resumes to the same histograms', () => {
    const mi = ['--reducer', 'mi-histograms', '--mi-histograms.bins', '4', '--mi-histograms.reservoir', '50'];
    const withMi = join(dir, 'whole-mi');
    const r = countSteps(line(withMi, mi));
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts.checkpoint).toBe(28);
    const n = 7 + seededPoints(7, 1, 8)[0]; // pass 1 of conv
    killAndResume('mi', 'checkpoint', n, 'SIGKILL', (out) => {
      expect(checkpointPosition(out)).toEqual({ layer: 'conv', pass: 1, samplesDone: (n - 7) * 24 });
    }, mi, withMi);
    expect(readdirSync(join(withMi, 'reducers', 'mi-histograms'))).toEqual(['conv', 'fc']);
  });

  it('`run --resume` after a kill in its probe finishes the probe, then aligns and reports as the uninterrupted run', () => {
    // The same folder name under two parents: the report names the run by it.
    const runLine = (out: string) => ['run', ...nets, '--out', out, '--batch', '4', '--checkpoint-every', '1batch', '--backend', 'reference', '--quiet'];
    const wholeRun = join(dir, 'run-whole', 'study');
    const first = convergent(runLine(wholeRun));
    expect(first.code, first.stderr).toBe(0);
    const out = join(dir, 'run-killed', 'study');
    const killed = runKilledAt(runLine(out), 'checkpoint', seededPoints(14, 1, 14)[0], 'SIGKILL');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(out, 'tables'))).toBe(false);
    const resumed = convergent([...runLine(out), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameRun(wholeRun, out);
  });

  it('says a complete run is complete and leaves it as it is; refuses --resume with --overwrite or with other options', () => {
    const again = convergent(line(whole, ['--resume']).filter((a) => a !== '--quiet'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/is complete \(2 layers\): nothing to resume/);
    expectSameRun(join(dir, 'conv-kill'), whole);
    const both = convergent(line(whole, ['--resume', '--overwrite']));
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--resume continues the run in --out and --overwrite replaces it: give one/);
    const other = convergent([...line(whole, ['--resume']), '--batch', '5']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`convergent: error: cannot resume ${whole}: it was probed from other inputs or with other options (batch.items: 4 (the run) vs 5 (this command)); use the same command, or --overwrite to start again`);
    expectSameRun(join(dir, 'conv-kill'), whole);
  });
});
