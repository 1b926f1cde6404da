// `convergent probe --resume` after a crash, for ONNX nets over MNIST digits (the built CLI, dist/):
// killed by SIGTERM or SIGKILL after a checkpoint drawn in either pass of mi-histograms, or while
// it writes its layers at the end, the probe resumes with the same command plus --resume and ends
// with the uninterrupted probe's files, byte for byte: moments, top-k records and patches,
// histograms, accuracy, and the same tables after align. The kill points are steps of the probe,
// not moments in time (kill-helpers.ts); SIGINT is tried on activation files (resume.test.ts).
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPaths } from '../../src/run-dir/layout.js';
import { readManifestSync, tempDir } from '../merge/helpers.js';
import { expectSameRun, MNIST_SPLIT, seededPoints, writeMnistNet } from '../probe/resume-helpers.js';
import { convergent } from './helpers.js';
import { checkpointPosition, countSteps, runKilledAt, type KillStep } from './kill-helpers.js';

describe('probe --resume after a kill (ONNX nets over MNIST)', () => {
  const dir = tempDir('cli-resume-onnx');
  const nets = [1, 2].flatMap((seed) => {
    const path = join(dir, `net${seed}.onnx`);
    writeMnistNet(path, seed);
    return ['--net', `net${seed}=${path}`];
  });
  // 37 digits in 10 batches of 4, two passes (mi-histograms): a checkpoint after each batch but the last of a pass.
  const line = (out: string, more: string[] = []) => [
    'probe', ...nets, '--data', 'mnist', '--split', MNIST_SPLIT, '--out', out, '--batch', '4', '--top-k', '3', '--checkpoint-every', '1batch',
    '--reducer', 'mi-histograms', '--mi-histograms.bins', '4', '--mi-histograms.reservoir', '50', '--backend', 'reference', '--quiet', ...more,
  ];
  const whole = join(dir, 'whole');
  beforeAll(() => {
    const r = countSteps(line(whole));
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts.checkpoint).toBe(18);
  });

  function killAndResume(name: string, n: number, signal: NodeJS.Signals, left: (out: string) => void, step: KillStep = 'checkpoint'): string {
    const out = join(dir, name);
    const killed = runKilledAt(line(out), step, n, signal);
    expect(killed.signal, `the probe ran to its end instead of being killed: ${killed.stderr}`).toBe(signal);
    left(out);
    const resumed = convergent(line(out, ['--resume']));
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameRun(whole, out);
    return out;
  }

  it('killed in either pass (SIGTERM, SIGKILL) or while writing its layers resumes to the same top-k files, patches, accuracy, moments, histograms and tables', () => {
    const [first, second] = [seededPoints(9, 1, 11)[0], 9 + seededPoints(9, 1, 12)[0]];
    // SIGTERM: what SLURM sends a task at its time limit (before SIGKILL).
    const inFirst = killAndResume('pass0', first, 'SIGTERM', (out) => {
      expect(checkpointPosition(out)).toMatchObject({ pass: 0, itemsDone: 4 * first, judged: 4 * first });
      expect(existsSync(runPaths.lock(out)), 'SIGTERM releases the lock').toBe(false);
    });
    killAndResume('pass1', second, 'SIGKILL', (out) => {
      expect(checkpointPosition(out)).toMatchObject({ pass: 1, itemsDone: 4 * (second - 9), judged: 37 });
    });
    // After every batch, while the layers are written: the first recorded, the second not.
    killAndResume('layers', 2, 'SIGKILL', (out) => {
      expect(readManifestSync(out).layers.map((l) => l.name)).toEqual(['conv1']);
      expect(checkpointPosition(out)).toMatchObject({ pass: 1, itemsDone: 36 });
    }, 'manifest');
    expect(readManifestSync(whole).nets.map((n) => n.correct)).not.toContain(undefined);
    expect(readdirSync(join(whole, 'reducers', 'topk', 'conv1', 'net1')).some((f) => f.endsWith('.png'))).toBe(true);
    const aligned = [whole, inFirst].map((run) => {
      const copy = `${run}-aligned`;
      cpSync(run, copy, { recursive: true });
      expect(convergent(['align', copy, '--backend', 'reference', '--quiet']).code).toBe(0);
      return copy;
    });
    expectSameRun(aligned[0], aligned[1]);
  });
});
