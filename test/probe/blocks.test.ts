// `probe --blocks B`: the blocks' item ranges, the block states saved beside the whole layer's,
// their merge equal to the layer's moments, and a blocked probe stopped and resumed equal to the
// uninterrupted one (block files included), on activation files and on ONNX models.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockRanges, checkBlocks } from '../../src/probe/blocks.js';
import { probe, type ProbeOptions } from '../../src/probe/probe.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { emptyMoments, mergeMomentsInto } from '../../src/kernels/moments/merge.js';
import { readBlockMoments } from '../../src/align/resample/leave-one-out.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { expectSameMoments, readManifestSync, tempDir, writeExactActivations } from '../merge/helpers.js';
import { expectSameRun, mnistProbe, seededPoints, STOP, stopAt, writeMnistNet } from './resume-helpers.js';

const backend = referenceBackend();
describe('block ranges', () => {
  it('cut the items into contiguous blocks whose sizes differ by at most one', () => {
    for (const [start, end, count] of [[0, 29, 5], [7, 100, 7], [3, 5, 2], [0, 2000, 20]]) {
      const r = blockRanges({ start, end }, count);
      expect(r).toHaveLength(count);
      expect(r[0].start).toBe(start);
      expect(r.at(-1)!.end).toBe(end);
      for (let k = 1; k < r.length; k++) expect(r[k].start).toBe(r[k - 1].end);
      const sizes = r.map((b) => b.end - b.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });
  it('are refused where they cannot apply', () => {
    expect(() => blockRanges({ start: 0, end: 10 }, 1)).toThrow('--blocks must be an integer of at least 2, got 1');
    expect(() => blockRanges({ start: 0, end: 3 }, 4)).toThrow('--blocks 4: the probe covers only 3 items; a block needs at least one');
    expect(() => checkBlocks({ blocks: 3, shard: { index: 0, count: 2 } }, { start: 0, end: 10 })).toThrow(/--blocks with --shard: the parts of a sharded probe are its blocks already/);
    expect(() => checkBlocks({ blocks: 3, nextPassFrom: 'x' }, { start: 0, end: 10 })).toThrow(/--blocks with --next-pass/);
  });
});

async function expectBlocksMergeToLayer(run: string, layer: string, blocks: number): Promise<void> {
  const total = emptyMoments((await readNpy(join(runPaths.momentsDir(run, layer), 'mean.npy'))).shape[0]);
  for (let k = 0; k < blocks; k++) mergeMomentsInto(total, await readBlockMoments(run, layer, k));
  const mean = (await readNpy(join(runPaths.momentsDir(run, layer), 'mean.npy'))).data as Float64Array;
  const m2 = (await readNpy(join(runPaths.momentsDir(run, layer), 'm2.npy'))).data as Float64Array;
  const scale = Math.max(...m2.map(Math.abs));
  for (let i = 0; i < mean.length; i++) expect(Math.abs(total.mean[i] - mean[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean[i])));
  for (let i = 0; i < m2.length; i++) expect(Math.abs(total.m2[i] - m2[i])).toBeLessThanOrEqual(1e-12 * scale);
}

describe('a --blocks probe from activation files', () => {
  const dir = tempDir('blocks-act');
  const nets = writeExactActivations(join(dir, 'nets'), 29); // conv: 29 x 6 positions, fc: 29 rows
  // Blocks of 5 or 6 items with batches of 4: block ends fall inside batches.
  const options = (out: string, more: Partial<ProbeOptions> = {}): ProbeOptions => ({ nets, out, backend: backend.get(), batchItems: 4, checkpointEvery: { batches: 3 }, blocks: 5, ...more });
  const whole = join(dir, 'whole');
  let batches = 0;
  beforeAll(async () => {
    const counter = stopAt();
    await probe(options(whole, { onProgress: counter.onProgress }));
    batches = counter.count();
  });

  it('records the blocks and saves one state per block whose merge is the layer\'s moments', async () => {
    const manifest = readManifestSync(whole);
    expect(manifest.provenance?.blocks).toBe(5);
    for (const layer of manifest.layers) {
      expect(layer.blocks).toEqual(blockRanges({ start: 0, end: 29 }, 5));
      for (let k = 0; k < 5; k++) expect(existsSync(runPaths.blockState(whole, k, layer.name, 'moments')), `${layer.name} block ${k}`).toBe(true);
      await expectBlocksMergeToLayer(whole, layer.name, 5);
    }
    // Each block holds its own items: conv's block 0 is 5 items x 6 positions.
    expect((await readBlockMoments(whole, 'conv', 0)).n).toBe(5 * 6);
    expect((await readBlockMoments(whole, 'fc', 4)).n).toBe(6);
  });

  it('gives the layer the moments of a probe without blocks (the merge of its blocks, float64 rounding apart)', async () => {
    const plain = join(dir, 'plain');
    await probe(options(plain, { blocks: undefined }));
    await expectSameMoments(plain, whole, ['conv', 'fc'], 1e-12);
    // Without blocks the same probe writes no blocks folder.
    expect(existsSync(join(plain, 'blocks'))).toBe(false);
  });

  it('stopped after a batch (inside a block) and resumed, equals the uninterrupted probe, block files included', async () => {
    expect(batches).toBe(16);
    for (const n of [1, ...seededPoints(batches - 2, 5, 3).map((k) => k + 1), batches]) {
      const out = join(dir, `stop${n}`);
      await expect(probe(options(out, stopAt(n)))).rejects.toThrow(STOP);
      await probe(options(out, { resume: true }));
      expectSameRun(whole, out);
    }
  });

  it('refuses to resume with another number of blocks, naming it', async () => {
    const out = join(dir, 'other-blocks');
    await expect(probe(options(out, stopAt(5)))).rejects.toThrow(STOP);
    await expect(probe(options(out, { resume: true, blocks: 4 }))).rejects.toThrow(/blocks: 5 \(the run\) vs 4 \(this command\)/);
  });
});

describe('a --blocks probe from ONNX models over MNIST digits', () => {
  const dir = tempDir('blocks-onnx');
  const nets = [1, 2].map((seed) => ({ name: `net${seed}`, path: join(dir, `net${seed}.onnx`) }));
  nets.forEach((net, k) => writeMnistNet(net.path, k + 1));
  const run = mnistProbe(nets, () => ({ backend: backend.get(), batchItems: 4, topK: 3, patches: false, checkpointEvery: { batches: 2 }, blocks: 3 }));

  it('keeps the blocks of every layer, and a stopped and resumed probe equals the uninterrupted one', async () => {
    const whole = join(dir, 'whole');
    const counter = stopAt();
    await run(whole, { onProgress: counter.onProgress });
    const manifest = readManifestSync(whole);
    for (const layer of manifest.layers) {
      expect(layer.blocks).toEqual(blockRanges({ start: 0, end: 37 }, 3));
      await expectBlocksMergeToLayer(whole, layer.name, 3);
    }
    for (const n of seededPoints(counter.count() - 1, 3, 5)) {
      const out = join(dir, `stop${n}`);
      await expect(run(out, stopAt(n))).rejects.toThrow(STOP);
      await run(out, { resume: true });
      expectSameRun(whole, out);
    }
  });
});
