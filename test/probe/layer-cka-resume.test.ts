// layer-cka in the probe's checkpoints: a probe from ONNX models with layer-cka (and the two-pass
// mi-histograms, so that a stop in pass 1 restores layer-cka's finished pass-0 state), stopped
// after a batch and resumed with --resume, leaves the uninterrupted probe's files bit for bit,
// RUN/layer-cka/ included.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerCkaReducer } from '../../src/probe/layer-cka/reducer.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { tempDir } from '../merge/helpers.js';
import { expectSameRun, mnistProbe, STOP, stopAt, writeMnistNet } from './resume-helpers.js';

const backend = referenceBackend();
describe('resume of a probe with layer-cka', () => {
  const dir = tempDir('layer-cka-resume');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  const run = mnistProbe(nets, () => ({
    backend: backend.get(), batchItems: 4, topK: 0, checkpointEvery: { batches: 3 }, reducers: [layerCkaReducer, miHistogramsReducer],
    reducerOptions: { 'layer-cka': { pool: '2x2' }, 'mi-histograms': { bins: 4, reservoir: 50 } },
  }));
  const whole = join(dir, 'whole');
  let batches = 0;
  beforeAll(async () => {
    await run(whole, { onProgress: () => void batches++ });
  });

  it('stopped in pass 0 or pass 1 and resumed, equals the uninterrupted probe, RUN/layer-cka/ included', async () => {
    expect(batches).toBe(20); // 2 passes x 10 batches of 4 digits (37)
    expect(existsSync(join(whole, 'layer-cka', 'm2.npy'))).toBe(true);
    for (const n of [4, 7, 13]) {
      const out = join(dir, `stop${n}`);
      await expect(run(out, stopAt(n))).rejects.toThrow(STOP);
      await run(out, { resume: true });
      expectSameRun(whole, out);
    }
  });

  it('refuses to resume with another --layer-cka.pool, naming it', async () => {
    const out = join(dir, 'other-pool');
    await expect(run(out, stopAt(4))).rejects.toThrow(STOP);
    await expect(run(out, { resume: true, reducerOptions: { 'layer-cka': { pool: 'mean' }, 'mi-histograms': { bins: 4, reservoir: 50 } } })).rejects.toThrow(/options\.pool: "?2x2"? \(the run\) vs "?mean"? \(this command\)/);
  });
});
