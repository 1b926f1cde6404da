// `probe --resume` in the library: a probe stopped after any batch continues from its checkpoint
// and ends with the uninterrupted run's files, byte for byte (moments, top-k records and patches,
// both passes of mi-histograms, accuracy). Here the stop is an error thrown from the progress
// callback, after the batch is reduced and before its checkpoint: what is on disk then is what a
// kill leaves there (test/cli/resume.test.ts kills real processes). A resume with other inputs
// or options is refused, naming what differs, and leaves the run as it was.
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeOnnx, type ForwardProbeOptions } from '../../src/probe/forward-probe.js';
import { probe, type ProbeOptions } from '../../src/probe/probe.js';
import { openProbeData } from '../../src/probe/probe-data.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { seededUniform } from '../../src/util/random.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { tempDir, writeExactActivations } from '../merge/helpers.js';
import { expectSameRun, MNIST_SPLIT, writeMnistNet } from './resume-helpers.js';

const backend = referenceBackend();
const STOP = 'stopped by the test';

/** A progress callback that throws at its `n`-th call (1-based), and counts the calls. */
function stopAt(n = Infinity) {
  let calls = 0;
  return {
    count: () => calls,
    onProgress: () => {
      if (++calls === n) throw new Error(STOP);
    },
  };
}

/** `count` distinct stop points in 1..total, drawn by a seeded generator (not hand-picked). */
function seededPoints(total: number, count: number, seed: number): number[] {
  const uniform = seededUniform(seed);
  const points = new Set<number>();
  while (points.size < Math.min(count, total)) points.add(1 + Math.floor(uniform() * total));
  return [...points].sort((a, b) => a - b);
}

describe('resume of a probe from activation files', () => {
  const dir = tempDir('resume-act');
  const nets = writeExactActivations(join(dir, 'nets'), 29); // conv: 29 x 6 positions, fc: 29 rows
  const options = (out: string, more: Partial<ProbeOptions> = {}): ProbeOptions => ({
    nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 1 },
    reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50 } }, ...more,
  });
  const whole = join(dir, 'whole');
  let batches = 0; // of the whole probe: 2 layers x 2 passes x 8 batches

  it('stopped after any batch (in either layer, in either pass) and resumed, equals the uninterrupted probe', async () => {
    const counter = stopAt();
    await probe(options(whole, { onProgress: counter.onProgress }));
    batches = counter.count();
    expect(batches).toBe(32);
    for (let n = 1; n <= batches; n++) {
      const out = join(dir, `stop${n}`);
      await expect(probe(options(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(options(out, { resume: true }));
      expectSameRun(whole, out);
    }
  });

  it('stopped three times, at seeded points, and resumed each time, equals the uninterrupted probe', async () => {
    const out = join(dir, 'thrice');
    const stops = seededPoints(batches, 3, 7);
    let before = 0;
    for (const n of stops) {
      // A resumed probe counts its batches from where it resumed, which is before the stop point.
      await expect(probe(options(out, { resume: true, ...stopAt(n - before) }))).rejects.toThrow(STOP);
      before = n - 1;
    }
    await probe(options(out, { resume: true }));
    expectSameRun(whole, out);
  });

  it('refuses to resume with other inputs or options, naming what differs, and the run resumes afterwards', async () => {
    const out = join(dir, 'refusals');
    await expect(probe(options(out, stopAt(12)))).rejects.toThrow(STOP); // in pass 1 of conv
    const otherNets = join(dir, 'other-nets');
    cpSync(join(dir, 'nets'), otherNets, { recursive: true });
    const fc = join(otherNets, 'netB', 'fc.npy');
    const bytes = readFileSync(fc);
    bytes[bytes.length - 1] ^= 1; // one bit of the last value
    writeFileSync(fc, bytes);
    const refused: [Partial<ProbeOptions>, RegExp][] = [
      [{ nets: [nets[0], { name: 'netB', path: join(otherNets, 'netB') }] }, /nets\[1\]\.source: .* \(the run\) vs .*other-nets.* \(this command\)/],
      [{ batchItems: 5 }, /batch\.items: 4 \(the run\) vs 5 \(this command\)/],
      [{ limitItems: 20 }, /items\.end: 29 \(the run\) vs 20 \(this command\)/],
      [{ layers: ['fc'] }, /layers\.length: 2 \(the run\) vs 1 \(this command\)/],
      [{ reducerOptions: { 'mi-histograms': { bins: 5, reservoir: 50 } } }, /reducers\[\d\]\.options\.bins: 4 \(the run\) vs 5 \(this command\)/],
      [{ reducers: [] }, /reducers\.length: 2 \(the run\) vs 1 \(this command\)/],
    ];
    for (const [change, message] of refused) {
      const error = await probe(options(out, { resume: true, ...change })).then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(new RegExp(`^cannot resume ${escape(out)}: it was probed from other inputs or with other options`));
      expect(error?.message).toMatch(message);
    }
    // The same files but one, changed by one bit after the stop: named by its hash.
    const changed = join(dir, 'changed');
    const copied = [nets[0], { name: 'netB', path: join(otherNets, 'netB') }];
    await expect(probe(options(changed, { nets: copied, ...stopAt(3) }))).rejects.toThrow(STOP);
    writeFileSync(fc, readFileSync(join(dir, 'nets', 'netB', 'fc.npy')));
    await expect(probe(options(changed, { nets: copied, resume: true }))).rejects.toThrow(/nets\[1\]\.files\[1\]\.sha256: .* \(the run\) vs .* \(this command\)/);
    await expect(probe(options(out, { resume: true, overwrite: true }))).rejects.toThrow('--resume continues the run in --out and --overwrite replaces it: give one');
    // None of them touched the run: it resumes to the uninterrupted result.
    await probe(options(out, { resume: true }));
    expectSameRun(whole, out);
  });

  it('leaves a complete run as it is, says so, and starts a fresh probe in a missing or empty directory', async () => {
    const log: string[] = [];
    const before = statSync(join(whole, 'moments', 'conv', 'm2.npy')).mtimeMs;
    const manifest = await probe(options(whole, { resume: true, log: (m) => log.push(m) }));
    expect(log.join('\n')).toMatch(new RegExp(`${escape(whole)} is complete \\(2 layers\\): nothing to resume`));
    expect(manifest.layers.map((l) => l.name)).toEqual(['conv', 'fc']);
    expect(statSync(join(whole, 'moments', 'conv', 'm2.npy')).mtimeMs).toBe(before);
    const missing = join(dir, 'missing');
    await probe(options(missing, { resume: true }));
    expectSameRun(whole, missing);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await probe(options(empty, { resume: true }));
    expectSameRun(whole, empty);
  });

  it('refuses a checkpoint it cannot read, naming the file and what to do', async () => {
    const out = join(dir, 'damaged');
    await expect(probe(options(out, stopAt(6)))).rejects.toThrow(STOP);
    const meta = join(out, '.checkpoint', 'meta.json');
    expect(existsSync(meta)).toBe(true);
    writeFileSync(meta, '{"version": 1, "wri');
    await expect(probe(options(out, { resume: true }))).rejects.toThrow(new RegExp(`${escape(meta)}: cannot read the checkpoint .*; delete ${escape(join(out, '.checkpoint'))} to start the probe again`));
  });
});

describe('resume of a probe from ONNX models over MNIST digits', () => {
  const dir = tempDir('resume-onnx');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  const run = async (out: string, more: Partial<ForwardProbeOptions> = {}, split = MNIST_SPLIT) => {
    const { source, label, spec } = await openProbeData({ data: 'mnist', split }, nets);
    try {
      return await probeOnnx({
        nets, data: source, dataLabel: label, dataSpec: spec, out, backend: backend.get(), batchItems: 4, topK: 3,
        checkpointEvery: { batches: 1 }, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50 } }, ...more,
      });
    } finally {
      await source.close();
    }
  };
  const whole = join(dir, 'whole');
  let batches = 0; // 2 passes x 10 batches of 4 digits

  it('stopped after any batch (in either pass) and resumed, equals the uninterrupted probe: top-k files, patches, accuracy, moments, MI', async () => {
    const counter = stopAt();
    const manifest = await run(whole, { onProgress: counter.onProgress });
    expect(manifest.nets[0].accuracy).toBeDefined();
    batches = counter.count();
    expect(batches).toBe(20);
    for (let n = 1; n <= batches; n++) {
      const out = join(dir, `stop${n}`);
      await expect(run(out, stopAt(n))).rejects.toThrow(STOP);
      await run(out, { resume: true });
      expectSameRun(whole, out);
    }
  });

  it('refuses to resume over other data, another batch or other top-k, naming what differs', async () => {
    const out = join(dir, 'refusals');
    await expect(run(out, stopAt(4))).rejects.toThrow(STOP);
    await expect(run(out, { resume: true }, '8000:8036')).rejects.toThrow(/cannot resume .*: it was probed from other inputs or with other options \(.*data.* \(the run\) vs .* \(this command\)/);
    await expect(run(out, { resume: true, batchItems: 3 })).rejects.toThrow(/batch(\.items)?: .* \(the run\) vs .*3.* \(this command\)/);
    await expect(run(out, { resume: true, topK: 2 })).rejects.toThrow(/reducers\[\d\]\.options\.k: 3 \(the run\) vs 2 \(this command\)/);
    await run(out, { resume: true });
    expectSameRun(whole, out);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
