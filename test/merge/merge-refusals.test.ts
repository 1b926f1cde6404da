// `merge` refuses, before writing anything, parts that are not parts of one finished probe, naming
// the parts and what differs: other nets, other layers, another version, parts of probes over
// other item counts, overlapping ranges (the same part twice included), gaps (unless
// --allow-partial, which records the coverage), unfinished parts (pending layers, a lock held, a
// checkpoint only) and runs without provenance; a run already in --out needs --overwrite; a merge
// that fails half-way leaves no run behind.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeRun } from '../../src/merge/merge-run.js';
import { probe } from '../../src/probe/probe.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { lockBy, referenceBackend } from '../run-dir/run-helpers.js';
import { editManifest, readManifestSync, tempDir, writeExactActivations } from './helpers.js';

const ITEMS = 29;
const backend = referenceBackend();

describe('merge refuses', () => {
  const dir = tempDir('refusals');
  const nets = writeExactActivations(join(dir, 'nets'), ITEMS);
  /** part(K, N): the K-th of N parts of the probe of `nets` (made once). */
  const made = new Map<string, string>();
  const part = async (index: number, count: number, options: { nets?: typeof nets; layers?: string[]; limit?: number; batch?: number; tag?: string } = {}): Promise<string> => {
    const key = `${options.tag ?? 'p'}-${index}-${count}`;
    if (!made.has(key)) {
      const out = join(dir, key);
      await probe({ nets: options.nets ?? nets, out, backend: backend.get(), layers: options.layers, limitItems: options.limit, batchItems: options.batch ?? 1, shard: { index, count } });
      made.set(key, out);
    }
    return made.get(key)!;
  };
  /** A copy of a part, to be edited. */
  const copyOf = (run: string, tag: string): string => {
    const copy = join(dir, `copy-${tag}`);
    cpSync(run, copy, { recursive: true });
    return copy;
  };
  const out = (tag: string) => join(dir, `out-${tag}`);

  beforeAll(async () => {
    await part(0, 2);
    await part(1, 2);
  });

  it('parts of other nets, naming the file whose sha256 differs', async () => {
    const otherDir = join(dir, 'other-nets');
    cpSync(join(dir, 'nets'), otherDir, { recursive: true });
    const other = writeExactActivations(join(dir, 'other-values'), ITEMS);
    cpSync(join(other[1].path, 'fc.npy'), join(otherDir, 'netB', 'fc.npy'));
    const foreign = await part(1, 2, { nets: nets.map((n) => ({ ...n, path: join(otherDir, n.name) })), tag: 'other-nets' });
    await expect(mergeRun({ parts: [await part(0, 2), foreign], out: out('nets') })).rejects.toThrow(/parts .*p-0-2 and .*other-nets-1-2 differ in the nets and the layers or tensors: nets\[0\]\.source/);
    // The same paths, one file changed: named by its sha256.
    const edited = copyOf(await part(1, 2), 'sha');
    editManifest(edited, (m) => (m.provenance!.nets[1].files[1].sha256 = '0'.repeat(64)));
    await expect(mergeRun({ parts: [await part(0, 2), edited], out: out('sha') })).rejects.toThrow(/differ in the nets: nets\[1\]\.files\[1\]\.sha256: "[0-9a-f]+" \(.*p-0-2\) vs "0000/);
    expect(existsSync(out('nets'))).toBe(false);
  });

  it('parts of other layers or tensors', async () => {
    const fcOnly = await part(1, 2, { layers: ['fc'], tag: 'fc-only' });
    await expect(mergeRun({ parts: [await part(0, 2), fcOnly], out: out('layers') })).rejects.toThrow(/differ in the nets and the layers or tensors: .*layers\.length: 2 \(.*p-0-2\) vs 1 \(.*fc-only-1-2\)/);
  });

  it('parts probed by another convergent version', async () => {
    const edited = copyOf(await part(1, 2), 'version');
    editManifest(edited, (m) => (m.provenance!.tool.version = '0.0.1'));
    await expect(mergeRun({ parts: [await part(0, 2), edited], out: out('version') })).rejects.toThrow(/differ in the convergent version: tool\.version: .* vs "0\.0\.1"/);
  });

  it('parts cut into other batches (their float32 batches would not be the single probe\'s)', async () => {
    const batch2 = await part(1, 2, { batch: 2, tag: 'batch2' });
    await expect(mergeRun({ parts: [await part(0, 2), batch2], out: out('batch') })).rejects.toThrow(/differ in the batches \(--batch, --batch-samples\): batch\.items: 1 \(.*p-0-2\) vs 2 \(.*batch2-1-2\)/);
  });

  it('parts of probes over other item counts', async () => {
    const shorter = await part(1, 2, { limit: 20, tag: 'limit20' });
    await expect(mergeRun({ parts: [await part(0, 2), shorter], out: out('total') })).rejects.toThrow(/shards of probes over different items \(29 and 20\)/);
  });

  it('overlapping parts, and the same part given twice', async () => {
    await expect(mergeRun({ parts: [await part(0, 2), await part(0, 3), await part(2, 3)], out: out('overlap') })).rejects.toThrow(/parts .*p-0-3 \(items 0 to 8\) and .*p-0-2 \(items 0 to 13\) overlap/);
    await expect(mergeRun({ parts: [await part(0, 2), await part(1, 2), join(await part(0, 2), '.')], out: out('twice') })).rejects.toThrow(/overlap: they are the same run directory \(items 0 to 13\), given twice/);
    expect(existsSync(out('overlap'))).toBe(false);
  });

  it('a gap, unless --allow-partial, which records the items covered', async () => {
    const parts = [await part(0, 3), await part(2, 3)];
    await expect(mergeRun({ parts, out: out('gap') })).rejects.toThrow(/the parts leave items 9 to 18 of the probe's 29 items uncovered; .*--allow-partial/);
    const manifest = await mergeRun({ parts, out: out('partial'), allowPartial: true });
    expect(manifest.merged).toEqual({ parts: parts.map((path) => ({ path, items: readManifestSync(path).provenance!.items })), coverage: [{ start: 0, end: 9 }, { start: 19, end: 29 }], complete: false });
    expect(readManifestSync(out('partial')).merged!.complete).toBe(false);
    expect(manifest.layers.find((l) => l.name === 'fc')!.items).toBe(9 + 10);
  });

  it('unfinished parts: pending layers, a lock held, only a checkpoint', async () => {
    const pending = copyOf(await part(1, 2), 'pending');
    editManifest(pending, (m) => (m.pending = ['fc']));
    await expect(mergeRun({ parts: [await part(0, 2), pending], out: out('pending') })).rejects.toThrow(/part .*copy-pending is not finished: layer fc still pending/);
    const locked = copyOf(await part(1, 2), 'locked');
    lockBy(locked, process.pid);
    await expect(mergeRun({ parts: [await part(0, 2), locked], out: out('locked') })).rejects.toThrow(/part .*copy-locked is still being written: its lock .* is held by pid/);
    const checkpoint = join(dir, 'checkpoint-only');
    mkdirSync(join(checkpoint, '.checkpoint'), { recursive: true });
    await expect(mergeRun({ parts: [await part(0, 2), checkpoint], out: out('checkpoint') })).rejects.toThrow(/holds only a checkpoint .*--resume/);
  });

  it('a run without provenance', async () => {
    const old = copyOf(await part(1, 2), 'old');
    editManifest(old, (m) => delete m.provenance);
    await expect(mergeRun({ parts: [await part(0, 2), old], out: out('old') })).rejects.toThrow(/copy-old records no provenance .*probe it again/);
  });

  it('an existing run without --overwrite; with it the run is replaced', async () => {
    const parts = [await part(0, 2), await part(1, 2)];
    await mergeRun({ parts, out: out('existing') });
    await expect(mergeRun({ parts, out: out('existing') })).rejects.toThrow(/already holds a run .*--overwrite/);
    await mergeRun({ parts, out: out('existing'), overwrite: true });
    expect(readManifestSync(out('existing')).layers.map((l) => l.name)).toEqual(['conv', 'fc']);
  });

  it('and leaves no run when a part turns out damaged half-way', async () => {
    const damaged = copyOf(await part(1, 2), 'damaged');
    writeFileSync(join(runPaths.momentsDir(damaged, 'fc'), 'm2.npy'), 'not an npy file');
    await expect(mergeRun({ parts: [await part(0, 2), damaged], out: out('damaged') })).rejects.toThrow(/m2\.npy/);
    expect(existsSync(out('damaged'))).toBe(false);
  });
});
