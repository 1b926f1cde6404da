// `merge` of the parts of a sharded probe of ONNX models over labelled images (MNIST digits)
// equals the single probe: identical top-k files (values, items, positions, active counts,
// result.json) and patches (drawn again from the data), identical accuracy and skipped images,
// the same layer records, and the same moments within 1e-12: every part cuts the single probe's
// batches and shifts its values by the single probe's first batch (src/probe/shard.ts), so the
// moment kernels see the same float32 numbers and only the float64 merge rounds differently.
// Align on the merged run then gives the single run's matchings.
import { readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { align } from '../../src/align/align.js';
import { mergeRun } from '../../src/merge/merge-run.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { openProbeData, type ProbeDataOptions } from '../../src/probe/probe-data.js';
import type { Shard } from '../../src/probe/shard.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { createBackend } from '../../src/backend/select.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { writeMnistNet } from '../probe/resume-helpers.js';
import { referenceBackend } from '../run-dir/run-helpers.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import type { Reducer } from '../../src/probe/reducers/types.js';
import { expectSameMoments, expectSameTables, readManifestSync, tempDir } from './helpers.js';
import { alignWithMi, expectSameMiRun, mergeMiParts } from './mi-helpers.js';

const gpu = await webgpuAvailability();
const SPLIT = '8000:8037'; // 37 held-out digits: uneven in 2, 3 and 7 parts
const LAYERS = ['conv1', 'fc1'];
const backend = referenceBackend();

function writeNets(dir: string): { name: string; path: string }[] {
  return [1, 2].map((seed) => {
    const path = join(dir, `net${seed}.onnx`);
    writeMnistNet(path, seed);
    return { name: `net${seed}`, path };
  });
}

async function probeInto(
  nets: { name: string; path: string }[],
  out: string,
  data: ProbeDataOptions,
  shard?: Shard,
  options: { topK?: number; patches?: boolean; reducers?: Reducer[]; nextPassFrom?: string } = {},
): Promise<void> {
  const { source, label, spec } = await openProbeData(data, nets);
  try {
    await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out, backend: backend.get(), batchItems: 4, topK: options.topK ?? 3, patches: options.patches, shard, layers: LAYERS, reducers: options.reducers, nextPassFrom: options.nextPassFrom });
  } finally {
    await source.close();
  }
}

async function probeParts(nets: { name: string; path: string }[], dir: string, count: number, data: ProbeDataOptions): Promise<string[]> {
  const parts: string[] = [];
  for (let index = 0; index < count; index++) {
    const out = join(dir, `part${index}`);
    await probeInto(nets, out, data, { index, count });
    parts.push(out);
  }
  return parts;
}

async function alignRun(run: string): Promise<void> {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  await align({ run, backend: backend.get(), registry: registry.methods, methods: ['semi', 'bipartite'] });
}

/** Every file under reducers/topk/ of a run, by path, as bytes. */
function topkFiles(run: string): Map<string, Buffer> {
  const root = join(run, 'reducers', 'topk');
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name).slice(root.length), readFileSync(join(entry.parentPath, entry.name)));
  }
  return files;
}

describe('merge of ONNX-model parts', () => {
  const dir = tempDir('onnx');
  const nets = writeNets(dir);
  const data: ProbeDataOptions = { data: 'mnist', split: SPLIT };
  const single = join(dir, 'single');
  beforeAll(async () => {
    await probeInto(nets, single, data);
    await alignRun(single);
  });

  it.each([1, 2, 3, 7])('of %i parts equals the single probe (top-k files and patches, accuracy, moments, matchings)', async (count) => {
    const parts = await probeParts(nets, join(dir, `p${count}`), count, data);
    const merged = join(dir, `merged${count}`);
    const manifest = await mergeRun({ parts: [...parts].reverse(), out: merged });
    const want = readManifestSync(single);
    expect(manifest.nets).toEqual(want.nets);
    expect(manifest.nets[0].accuracy).toBeGreaterThan(0);
    expect(manifest.data).toEqual(want.data);
    expect(manifest.layers.map((l) => ({ ...l, seconds: 0 }))).toEqual(want.layers.map((l) => ({ ...l, seconds: 0 })));
    expect(manifest.provenance).toEqual(want.provenance);
    const [a, b] = [topkFiles(single), topkFiles(merged)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...a.keys()].some((path) => path.endsWith('.png'))).toBe(true);
    for (const [path, bytes] of a) expect(b.get(path)!.equals(bytes), path).toBe(true);
    await expectSameMoments(single, merged, LAYERS, 1e-12);
    await alignRun(merged);
    expectSameTables(single, merged, ['units.csv', 'matches.csv', 'summary.csv'], 1e-12);
  });

  it.each([2, 7])('with mi-histograms, of %i parts (two passes: edges, then counts) equals the single probe', async (count) => {
    const reducers = [miHistogramsReducer];
    const singleMi = join(dir, `single-mi${count}`);
    await probeInto(nets, singleMi, data, undefined, { reducers, topK: 0 });
    await alignWithMi(singleMi);
    const run = await mergeMiParts(join(dir, `mi${count}`), count, (out, { shard, nextPassFrom }) => probeInto(nets, out, data, shard, { reducers, topK: 0, nextPassFrom }));
    await expectSameMoments(singleMi, run, LAYERS, 1e-12);
    await expectSameMiRun(singleMi, run, LAYERS);
  });

  it.skipIf(!gpu.available)('of 3 parts probed on the WebGPU device path (moments reduced on the device) equals the single WebGPU probe', async () => {
    const webgpu = await createBackend('webgpu', {});
    try {
      const probeOn = async (out: string, shard?: Shard) => {
        const { source, label, spec } = await openProbeData(data, nets);
        try {
          return await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out, backend: webgpu, batchItems: 4, topK: 3, shard, layers: LAYERS });
        } finally {
          await source.close();
        }
      };
      const singleGpu = join(dir, 'single-gpu');
      expect((await probeOn(singleGpu)).backend).toMatch(/forward webgpu/i);
      const parts = [0, 1, 2].map((index) => join(dir, `gpu-part${index}`));
      for (const [index, out] of parts.entries()) await probeOn(out, { index, count: 3 });
      const merged = join(dir, 'merged-gpu');
      await mergeRun({ parts, out: merged });
      await expectSameMoments(singleGpu, merged, LAYERS, 1e-12);
      const [a, b] = [topkFiles(singleGpu), topkFiles(merged)];
      for (const [path, bytes] of a) expect(b.get(path)!.equals(bytes), path).toBe(true);
    } finally {
      await webgpu.dispose();
    }
  });

  it('refuses parts of other data or other top-k options, naming them; parts that differ only in drawing patches merge', async () => {
    const first = join(dir, 'first');
    await probeInto(nets, first, data, { index: 0, count: 2 });
    const scaled = join(dir, 'scaled');
    await probeInto(nets, scaled, { ...data, preprocess: { scale: 2 / 255 } }, { index: 1, count: 2 });
    await expect(mergeRun({ parts: [first, scaled], out: join(dir, 'out-data') })).rejects.toThrow(/parts .*first and .*scaled differ in the data: data\.preprocess\.scale: 0\.00392\d* \(.*first\) vs 0\.00784\d* \(.*scaled\)/);
    const k2 = join(dir, 'k2');
    await probeInto(nets, k2, data, { index: 1, count: 2 }, { topK: 2 });
    await expect(mergeRun({ parts: [first, k2], out: join(dir, 'out-k') })).rejects.toThrow(/differ in the reducers or their options: reducers\[1\]\.options\.k: 3 \(.*first\) vs 2 \(.*k2\)/);
    const noPatches = join(dir, 'no-patches-part');
    await probeInto(nets, noPatches, data, { index: 1, count: 2 }, { patches: false });
    const manifest = await mergeRun({ parts: [first, noPatches], out: join(dir, 'out-patches') });
    expect(manifest.provenance!.reducers.find((r) => r.name === 'topk')!.options).toEqual({ k: 3, patches: true });
  });

  it('checks the data before drawing patches: a changed or missing file is refused, naming it; --no-patches merges the records alone', async () => {
    const images = join(dir, 'images.npy');
    // The digits as an .npy tensor, so that the file can be changed.
    const { source } = await openProbeData(data, nets);
    const digits = new Float32Array(37 * 28 * 28);
    for (let i = 0; i < 37; i++) digits.set(await source.readItem(i), i * 28 * 28);
    await source.close();
    const { encodeNpy } = await import('../../src/run-dir/npy-write.js');
    writeFileSync(images, encodeNpy(digits, [37, 1, 28, 28]));
    const npyData: ProbeDataOptions = { data: images };
    const parts = await probeParts(nets, join(dir, 'npy-parts'), 2, npyData);
    copyFileSync(images, `${images}.kept`);
    digits[5] += 1;
    writeFileSync(images, encodeNpy(digits, [37, 1, 28, 28]));
    await expect(mergeRun({ parts, out: join(dir, 'changed') })).rejects.toThrow(new RegExp(`the data at ${escape(images)} is not what the parts probed: data\\.file\\.sha256.*--no-patches`));
    rmSync(images);
    await expect(mergeRun({ parts, out: join(dir, 'missing') })).rejects.toThrow(new RegExp(`cannot open the probe's data ${escape(images)}.*--no-patches`));
    const manifest = await mergeRun({ parts, out: join(dir, 'no-patches'), patches: false });
    expect(manifest.provenance!.reducers.find((r) => r.name === 'topk')!.options.patches).toBe(false);
    expect([...topkFiles(join(dir, 'no-patches')).keys()].some((path) => path.endsWith('.png'))).toBe(false);
    copyFileSync(`${images}.kept`, images);
    await mergeRun({ parts, out: join(dir, 'patches') });
    expect([...topkFiles(join(dir, 'patches')).keys()].some((path) => path.endsWith('.png'))).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
