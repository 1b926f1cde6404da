// `probe --resume` in the library: a probe stopped after a batch continues from its last
// checkpoint and ends with the uninterrupted run's files, byte for byte (moments, top-k records,
// both passes of mi-histograms, accuracy, skipped images). Here the stop is an error thrown from
// the progress callback, after the batch is reduced and before its checkpoint: what is on disk
// then is what a kill leaves there (test/cli/resume*.test.ts kill real processes). A checkpoint
// every 3 batches makes most resumes redo a batch or two, as after a real kill. Stop points: the
// first and last batch and a seeded draw of the others. A resume with other inputs or options,
// or from another probe's checkpoint, is refused, naming what differs, and leaves the run as it was.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeRun } from '../../src/merge/merge-run.js';
import { probeOnnx, type ForwardProbeOptions } from '../../src/probe/forward-probe.js';
import { createBackend } from '../../src/backend/select.js';
import { parseCheckpointEvery } from '../../src/probe/checkpoint.js';
import { probe, type ProbeOptions } from '../../src/probe/probe.js';
import { openProbeData, type ProbeDataOptions } from '../../src/probe/probe-data.js';
import { encodeRgbaPng } from '../../src/report/png.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { readManifestSync, tempDir, writeExactActivations } from '../merge/helpers.js';
import { expectSameRun, MNIST_SPLIT, seededPoints, STOP, stopAt, writeMnistNet } from './resume-helpers.js';

const backend = referenceBackend();
describe('resume of a probe from activation files', () => {
  const dir = tempDir('resume-act');
  const nets = writeExactActivations(join(dir, 'nets'), 29); // conv: 29 x 6 positions, fc: 29 rows
  const options = (out: string, more: Partial<ProbeOptions> = {}): ProbeOptions => ({
    nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 3 },
    reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50 } }, ...more,
  });
  const whole = join(dir, 'whole');
  let batches = 0; // of the whole probe: 2 layers x 2 passes x 8 batches
  beforeAll(async () => {
    const counter = stopAt();
    await probe(options(whole, { onProgress: counter.onProgress }));
    batches = counter.count();
  });

  it('stopped after a batch (in either layer, in either pass) and resumed, equals the uninterrupted probe', async () => {
    expect(batches).toBe(32);
    for (const n of [1, ...seededPoints(batches - 2, 8, 1).map((k) => k + 1), batches]) {
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

  it('a part of a sharded probe, and a probe on the wasm backend, stopped and resumed, equal the same probe unstopped', async () => {
    const part = (out: string, more: Partial<ProbeOptions> = {}) => options(out, { shard: { index: 1, count: 3 }, ...more });
    const counter = stopAt();
    await probe(part(join(dir, 'part'), { onProgress: counter.onProgress }));
    expect(counter.count()).toBe(6); // items 8..19 of each layer, pass 0 only: 3 batches a layer
    for (const n of seededPoints(counter.count(), 2, 9)) {
      const out = join(dir, `part-stop${n}`);
      await expect(probe(part(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(part(out, { resume: true }));
      expectSameRun(join(dir, 'part'), out);
    }
    const wasm = await createBackend('wasm');
    try {
      await probe(options(join(dir, 'wasm'), { backend: wasm }));
      for (const n of seededPoints(batches, 2, 10)) {
        const out = join(dir, `wasm-stop${n}`);
        await expect(probe(options(out, { backend: wasm, ...stopAt(n) }))).rejects.toThrow(STOP);
        await probe(options(out, { backend: wasm, resume: true }));
        expectSameRun(join(dir, 'wasm'), out);
      }
    } finally {
      await wasm.dispose();
    }
  });

  it('resumed on another backend, names both in probe.json at once and says so', async () => {
    const out = join(dir, 'other-backend');
    await expect(probe(options(out, stopAt(5)))).rejects.toThrow(STOP);
    const first = readManifestSync(out).backend;
    const wasm = await createBackend('wasm');
    try {
      const log: string[] = [];
      // Stopped again at once: probe.json must already name the second backend (its checkpoint mixes both).
      await expect(probe(options(out, { backend: wasm, resume: true, log: (m) => log.push(m), ...stopAt(1) }))).rejects.toThrow(STOP);
      expect(readManifestSync(out).backend).toBe(`${first} | ${wasm.description}`);
      expect(log.some((l) => l.includes('resumed on a different backend') && l.includes(wasm.description))).toBe(true);
      await probe(options(out, { backend: wasm, resume: true }));
      await probe(options(out, { resume: true })); // complete: left as it is
      expect(readManifestSync(out).backend).toBe(`${first} | ${wasm.description}`);
      expect(readManifestSync(out).pending).toEqual([]);
    } finally {
      await wasm.dispose();
    }
  });

  it('a next-pass part (--next-pass RUN) of mi-histograms, stopped and resumed, equals the same part unstopped', async () => {
    const merged = join(dir, 'merged');
    const parts = [0, 1].map((index) => join(dir, `first-pass-${index}`));
    for (const [index, out] of parts.entries()) await probe(options(out, { shard: { index, count: 2 } }));
    await mergeRun({ parts, out: merged, reducer: (name) => (name === miHistogramsReducer.name ? miHistogramsReducer : undefined) });
    const nextPart = (out: string, more: Partial<ProbeOptions> = {}) => options(out, { shard: { index: 1, count: 2 }, nextPassFrom: merged, ...more });
    const counter = stopAt();
    await probe(nextPart(join(dir, 'next-pass'), { onProgress: counter.onProgress }));
    expect(counter.count()).toBe(8); // items 16..28 of each layer, pass 1 only
    for (const n of seededPoints(counter.count(), 2, 16)) {
      const out = join(dir, `next-pass-stop${n}`);
      await expect(probe(nextPart(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(nextPart(out, { resume: true }));
      expectSameRun(join(dir, 'next-pass'), out);
    }
  });

  it('with a reducer that cannot save its state, checkpoints between layers only, and a resume redoes the unfinished layer', async () => {
    // Sums every value it sees; no snapshot(), no restore().
    const sum: Reducer = {
      name: 'sum',
      description: 'the sum of the values',
      create: () => {
        let total = 0;
        return {
          update: (batch) => batch.nets.forEach((data) => data.forEach((v) => (total += v))),
          finish: () => ({ json: { total } }),
        };
      },
    };
    const plain = (out: string, more: Partial<ProbeOptions> = {}) => options(out, { reducers: [sum], reducerOptions: {}, checkpointEvery: { batches: 1 }, ...more });
    const log: string[] = [];
    await probe(plain(join(dir, 'sum'), { log: (m) => log.push(m) }));
    expect(log).toContain('layer fc: no checkpoints inside the layer, as reducer sum cannot save its state; a stopped probe resumes at the start of the layer');
    const out = join(dir, 'sum-stopped');
    await expect(probe(plain(out, stopAt(11)))).rejects.toThrow(STOP); // in fc, after conv was recorded
    expect(readdirSync(out).filter((e) => e.startsWith('.checkpoint'))).toEqual([]);
    expect(readManifestSync(out).layers.map((l) => l.name)).toEqual(['conv']);
    await probe(plain(out, { resume: true }));
    expectSameRun(join(dir, 'sum'), out);
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
    await expect(probe(options(changed, { nets: copied, ...stopAt(5) }))).rejects.toThrow(STOP); // after the first checkpoint
    writeFileSync(fc, readFileSync(join(dir, 'nets', 'netB', 'fc.npy')));
    await expect(probe(options(changed, { nets: copied, resume: true }))).rejects.toThrow(/nets\[1\]\.files\[1\]\.sha256: .* \(the run\) vs .* \(this command\)/);
    await expect(probe(options(out, { resume: true, overwrite: true }))).rejects.toThrow('--resume continues the run in --out and --overwrite replaces it: give one');
    // Without --resume, the unfinished run is refused with the way to continue it.
    await expect(probe(options(out))).rejects.toThrow(`${out} already holds an unfinished probe (it holds a checkpoint): the same \`probe\` command with --resume continues it; pass --overwrite to replace it, or choose another --out`);
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

  it('never continues from the checkpoint of another probe left in the directory', async () => {
    // Probe A (the nets' files swapped) is stopped after a checkpoint; its files are deleted but
    // for the hidden .checkpoint (as `rm -r RUN/*` does); probe B starts there and is stopped
    // before its own first checkpoint. B resumed must be B, not B continued from A's state.
    const swapped = [{ name: 'netA', path: nets[1].path }, { name: 'netB', path: nets[0].path }];
    const out = join(dir, 'stale');
    await expect(probe(options(out, { nets: swapped, ...stopAt(5) }))).rejects.toThrow(STOP);
    for (const entry of ['probe.json', 'moments', 'reducers']) rmSync(join(out, entry), { recursive: true, force: true });
    expect(existsSync(join(out, '.checkpoint', 'meta.json'))).toBe(true);
    await expect(probe(options(out, stopAt(2)))).rejects.toThrow(STOP);
    await probe(options(out, { resume: true }));
    expectSameRun(whole, out);
    // A probe that replaces a run (--overwrite) removes the checkpoint of the run it replaces.
    const replaced = join(dir, 'replaced');
    await expect(probe(options(replaced, { nets: swapped, ...stopAt(5) }))).rejects.toThrow(STOP);
    await probe(options(replaced, { overwrite: true }));
    expectSameRun(whole, replaced);
    // Another probe's checkpoint put beside this probe's probe.json is refused, not continued.
    const mixed = join(dir, 'mixed');
    await expect(probe(options(mixed, stopAt(5)))).rejects.toThrow(STOP);
    await expect(probe(options(join(dir, 'other'), { nets: swapped, ...stopAt(5) }))).rejects.toThrow(STOP);
    rmSync(join(mixed, '.checkpoint'), { recursive: true });
    cpSync(join(dir, 'other', '.checkpoint'), join(mixed, '.checkpoint'), { recursive: true });
    await expect(probe(options(mixed, { resume: true }))).rejects.toThrow(
      new RegExp(`^cannot resume ${escape(mixed)}: its checkpoint was written by another probe \\(nets\\[0\\]\\.source: .*netB" \\(the checkpoint\\) vs .*netA" \\(this command\\).*\\); delete the \\.checkpoint folders in ${escape(mixed)} to resume without it$`),
    );
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

describe('resume of a probe from ONNX models over MNIST digits', async () => {
  const { available: gpuAvailable } = await webgpuAvailability();
  const dir = tempDir('resume-onnx');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  const run = async (out: string, more: Partial<ForwardProbeOptions> = {}, data: ProbeDataOptions = { data: 'mnist', split: MNIST_SPLIT }) => {
    const { source, label, spec } = await openProbeData(data, nets);
    try {
      return await probeOnnx({
        nets, data: source, dataLabel: label, dataSpec: spec, out, backend: backend.get(), batchItems: 4, topK: 3,
        patches: false, checkpointEvery: { batches: 3 }, reducers: [miHistogramsReducer], reducerOptions: { 'mi-histograms': { bins: 4, reservoir: 50 } }, ...more,
      });
    } finally {
      await source.close();
    }
  };
  const whole = join(dir, 'whole');
  let batches = 0; // 2 passes x 10 batches of 4 digits
  beforeAll(async () => {
    const counter = stopAt();
    await run(whole, { onProgress: counter.onProgress });
    batches = counter.count();
  });

  it('stopped after a batch (in either pass) and resumed, equals the uninterrupted probe: top-k records, accuracy, moments, MI', async () => {
    expect(batches).toBe(20);
    expect(readManifestSync(whole).nets[0].accuracy).toBeGreaterThan(0);
    for (const n of [1, ...seededPoints(batches - 2, 6, 2).map((k) => k + 1), batches]) {
      const out = join(dir, `stop${n}`);
      await expect(run(out, stopAt(n))).rejects.toThrow(STOP);
      await run(out, { resume: true });
      expectSameRun(whole, out);
    }
  });

  it('refuses to resume over other data, another batch or other top-k, naming what differs', async () => {
    const out = join(dir, 'refusals');
    await expect(run(out, stopAt(4))).rejects.toThrow(STOP);
    await expect(run(out, { resume: true }, { data: 'mnist', split: '8000:8036' })).rejects.toThrow(/cannot resume .*: it was probed from other inputs or with other options \(.*data.* \(the run\) vs .* \(this command\)/);
    await expect(run(out, { resume: true, batchItems: 3 })).rejects.toThrow(/batch(\.items)?: .* \(the run\) vs .*3.* \(this command\)/);
    await expect(run(out, { resume: true, topK: 2 })).rejects.toThrow(/reducers\[\d\]\.options\.k: 3 \(the run\) vs 2 \(this command\)/);
    await run(out, { resume: true });
    expectSameRun(whole, out);
  });

  it.runIf(gpuAvailable)('on the device path (webgpu: forward passes, moments and top-k maxima on the GPU), stopped and resumed, equals the unstopped probe', async () => {
    const webgpu = await createBackend('webgpu');
    try {
      const device = (out: string, more: Partial<ForwardProbeOptions> = {}) => run(out, { backend: webgpu, reducers: [], checkpointEvery: { batches: 2 }, ...more });
      await device(join(dir, 'device'));
      for (const n of seededPoints(10, 2, 15)) {
        const out = join(dir, `device-stop${n}`);
        await expect(device(out, stopAt(n))).rejects.toThrow(STOP);
        await device(out, { resume: true });
        expectSameRun(join(dir, 'device'), out);
      }
    } finally {
      await webgpu.dispose();
    }
  });

  it('stopped over a folder with an unreadable image lists that image once when resumed', async () => {
    // 12 files, the sixth no image: it is in the second batch, which the probe has already read
    // (it reads a batch ahead) when it saves the checkpoint after the first.
    const folder = join(dir, 'digits');
    mkdirSync(folder);
    const { source } = await openProbeData({ data: 'mnist', split: '8000:8012' }, nets);
    for (let i = 0; i < 12; i++) {
      const grey = await source.readItem(i);
      const rgba = new Uint8Array(4 * grey.length).map((_, b) => (b % 4 === 3 ? 255 : Math.round(255 * grey[b >> 2])));
      writeFileSync(join(folder, `${String(i).padStart(2, '0')}.png`), i === 5 ? Buffer.from('not a png') : encodeRgbaPng(28, 28, rgba));
    }
    await source.close();
    const images = { data: folder };
    const wholeFolder = join(dir, 'whole-folder');
    await run(wholeFolder, { checkpointEvery: { batches: 1 } }, images);
    expect(readManifestSync(wholeFolder).data!.skipped.map((s) => s.index)).toEqual([5]);
    const out = join(dir, 'folder');
    await expect(run(out, { checkpointEvery: { batches: 1 }, ...stopAt(2) }, images)).rejects.toThrow(STOP);
    await run(out, { checkpointEvery: { batches: 1 }, resume: true }, images);
    expectSameRun(wholeFolder, out);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('--checkpoint-every', () => {
  it('takes a duration, a number of batches, or 0 for none, and refuses anything else in words', () => {
    expect(parseCheckpointEvery('90s')).toEqual({ seconds: 90 });
    expect(parseCheckpointEvery('90')).toEqual({ seconds: 90 });
    expect(parseCheckpointEvery('5m')).toEqual({ seconds: 300 });
    expect(parseCheckpointEvery('1h')).toEqual({ seconds: 3600 });
    expect(parseCheckpointEvery('1batch')).toEqual({ batches: 1 });
    expect(parseCheckpointEvery('20batches')).toEqual({ batches: 20 });
    for (const none of ['0', 'off']) expect(parseCheckpointEvery(none)).toBeUndefined();
    for (const bad of ['-5m', 'soon', '5 parsecs', '0batches', '']) expect(() => parseCheckpointEvery(bad)).toThrow(`--checkpoint-every takes a duration (90s, 5m, 1h, or seconds), a number of batches (20batches), or 0 for none; got "${bad}"`);
    expect(() => parseCheckpointEvery('1.5batches')).toThrow('--checkpoint-every: a whole number of batches, got "1.5batches"');
  });
});
