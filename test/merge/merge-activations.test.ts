// `merge` of the parts of a sharded probe of activation files equals the single probe: the same
// samples, means and correlations within 1e-12 (parts cut the single probe's batches and share its
// shift: src/probe/shard.ts), the same layer records, and align on the merged run gives the single
// run's tables. Parts are merged in any order; 1, 2, 3 and 7 parts (7 parts of 29 items: uneven).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { align } from '../../src/align/align.js';
import { createBackend } from '../../src/backend/select.js';
import { mergeRun } from '../../src/merge/merge-run.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { probe } from '../../src/probe/probe.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { expectSameMoments, expectSameTables, readManifestSync, tempDir, writeExactActivations } from './helpers.js';

const ITEMS = 29;
const LAYERS = ['conv', 'fc'];
const backend = referenceBackend();

async function alignRun(run: string): Promise<void> {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  await align({ run, backend: backend.get(), registry: registry.methods, methods: ['semi', 'bipartite'] });
}

describe('merge of activation-file parts', () => {
  const dir = tempDir('activations');
  const nets = writeExactActivations(join(dir, 'nets'), ITEMS);
  const single = join(dir, 'single');
  beforeAll(async () => {
    await probe({ nets, out: single, backend: backend.get(), batchItems: 3 });
    await alignRun(single);
  });

  it.each([1, 2, 3, 7])('of %i parts equals the single probe (moments within 1e-12, layer records, align tables)', async (count) => {
    const parts: string[] = [];
    for (let index = 0; index < count; index++) {
      const out = join(dir, `p${count}`, `part${index}`);
      await probe({ nets, out, backend: backend.get(), batchItems: 3, shard: { index, count } });
      parts.push(out);
    }
    const merged = join(dir, `merged${count}`);
    // Any order: the parts are sorted by their item ranges.
    const manifest = await mergeRun({ parts: [...parts].reverse(), out: merged });
    await expectSameMoments(single, merged, LAYERS, 1e-12);
    const want = readManifestSync(single);
    for (const layer of want.layers) {
      const got = manifest.layers.find((l) => l.name === layer.name)!;
      expect({ ...got, seconds: 0 }).toEqual({ ...layer, seconds: 0 });
    }
    expect(manifest.provenance).toEqual(want.provenance);
    expect(manifest.merged).toEqual({ parts: parts.map((path, index) => ({ path, items: readManifestSync(path).provenance!.items })), coverage: [{ start: 0, end: ITEMS }], complete: true });
    await alignRun(merged);
    expectSameTables(single, merged, ['units.csv', 'matches.csv', 'summary.csv'], 1e-12);
  });
});

describe('merge of activation-file parts probed on the WASM backend (float32 SIMD sums over blocks)', () => {
  it('of 3 parts equals the single WASM probe: moments within 1e-12', async () => {
    const wasm = await createBackend('wasm', { threads: 2 });
    try {
      const dir = tempDir('wasm');
      const nets = writeExactActivations(join(dir, 'nets'), 2 * ITEMS + 3);
      const single = join(dir, 'single');
      await probe({ nets, out: single, backend: wasm, batchItems: 5 });
      const parts = [0, 1, 2].map((index) => join(dir, `part${index}`));
      for (const [index, out] of parts.entries()) await probe({ nets, out, backend: wasm, batchItems: 5, shard: { index, count: 3 } });
      await mergeRun({ parts, out: join(dir, 'merged') });
      await expectSameMoments(single, join(dir, 'merged'), LAYERS, 1e-12);
    } finally {
      await wasm.dispose();
    }
  });
});
