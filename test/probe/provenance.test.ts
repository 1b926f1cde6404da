// probe.json's provenance: the hashes are those of the files the probe read (checked against
// node:crypto over the whole file), with the item list and range, the reducers' resolved options
// and the tool version, for a run from activation files and for runs from ONNX models.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { runPaths, type ProbeManifest } from '../../src/run-dir/layout.js';
import { probe } from '../../src/probe/probe.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { openProbeData } from '../../src/probe/probe-data.js';
import { miHistogramsReducer } from '../../src/probe/reducers/mi-histograms.js';
import { seededNormal } from '../../src/util/random.js';
import { ITEM, tempDir, writeImages, writeTinyCnn } from '../cli/helpers.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function identity(path: string) {
  return { path, bytes: statSync(path).size, sha256: sha256(path) };
}

function readManifest(run: string): ProbeManifest {
  return JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest;
}

function normals(count: number, seed: number): Float32Array {
  const next = seededNormal(seed);
  return Float32Array.from({ length: count }, () => next());
}

describe('provenance of a run from activation files', () => {
  it("records each .npy file read with its sha256, the layers' files, the reducers' resolved options, the items and the version", async () => {
    const dir = tempDir('provenance-act');
    const nets = ['a', 'b'].map((name, k) => {
      const path = join(dir, name);
      mkdirSync(path);
      return { name, path, seed: k };
    });
    for (const net of nets) {
      await writeNpy(join(net.path, 'fc1.npy'), normals(13 * 5, 10 + net.seed), [13, 5]);
      await writeNpy(join(net.path, 'conv1.npy'), normals(13 * 3 * 2 * 3, 20 + net.seed), [13, 3, 2, 3]);
    }
    const out = join(dir, 'run');
    await probe({
      nets: nets.map(({ name, path }) => ({ name, path })),
      out,
      backend: await createBackend('reference'),
      layers: ['fc1', 'conv1'],
      limitItems: 11,
      reducers: [miHistogramsReducer],
      reducerOptions: { 'mi-histograms': { bins: 5 } },
    });
    const p = readManifest(out).provenance!;
    expect(p.tool).toEqual({ name: 'convergent', version: VERSION });
    expect(p.nets).toEqual(
      nets.map((net) => ({ name: net.name, source: net.path, kind: 'npy-directory', files: [identity(join(net.path, 'fc1.npy')), identity(join(net.path, 'conv1.npy'))] })),
    );
    expect(p.layers).toEqual([
      { name: 'fc1', tensors: { a: join(dir, 'a', 'fc1.npy'), b: join(dir, 'b', 'fc1.npy') } },
      { name: 'conv1', tensors: { a: join(dir, 'a', 'conv1.npy'), b: join(dir, 'b', 'conv1.npy') } },
    ]);
    expect(p.reducers).toEqual([
      { name: 'moments', options: {} },
      { name: 'mi-histograms', options: { binning: 'default', bins: 5, 'zero-threshold': 0, reservoir: 65536, seed: 0, counting: 'auto', 'max-memory-mb': 2048 } },
    ]);
    expect(p.items).toEqual({ start: 0, end: 11 });
    expect(p.data).toBeUndefined();
  });
});

/** `n` RGB PNG images of ITEM's size, each with its own pixels (so their file sizes differ). */
function writePngFolder(dir: string, n: number): string[] {
  mkdirSync(dir);
  const [, height, width] = ITEM;
  return Array.from({ length: n }, (_, i) => {
    const data = Uint8Array.from({ length: height * width * 3 }, (_, j) => (j * (i + 3) * 37) % (40 + 50 * i));
    const path = join(dir, `img${String(i).padStart(2, '0')}.png`);
    writeFileSync(path, encodePng({ width, height, data, channels: 3 }));
    return path;
  });
}

describe('provenance of a run from ONNX models', () => {
  const models = (dir: string) =>
    [1, 2].map((seed) => {
      const path = join(dir, `net${seed}.onnx`);
      writeTinyCnn(path, seed);
      return { name: `net${seed}`, path };
    });

  async function probeData(dir: string, nets: { name: string; path: string }[], options: { data: string; preprocess?: { scale: number } }, limit: number) {
    const { source, label, spec } = await openProbeData(options, nets);
    const out = join(dir, 'run');
    await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out, backend: await createBackend('reference'), limitItems: limit, batchItems: 2, topK: 2, patches: false });
    await source.close();
    return readManifest(out).provenance!;
  }

  it('records the ONNX files with their sha256, the ordered image list with sizes, the preprocessing, tensors, reducers and items', async () => {
    const dir = tempDir('provenance-onnx');
    const nets = models(dir);
    const images = writePngFolder(join(dir, 'images'), 7);
    const p = await probeData(dir, nets, { data: join(dir, 'images'), preprocess: { scale: 0.5 } }, 5);
    expect(p.tool).toEqual({ name: 'convergent', version: VERSION });
    expect(p.nets).toEqual(nets.map((net) => ({ name: net.name, source: net.path, kind: 'onnx', files: [identity(net.path)] })));
    expect(p.data).toEqual({
      source: join(dir, 'images'),
      limit: 5,
      itemShape: [...ITEM],
      preprocess: { resize: 'cover', antialias: true, scale: 0.5, mean: [0], std: [1], channelOrder: 'rgb', grayscale: false },
      itemList: images.slice(0, 5).map((path) => ({ path, bytes: statSync(path).size })),
    });
    expect(p.layers).toEqual([
      { name: 'conv1', tensors: { net1: 'r1', net2: 'r1' } },
      { name: 'fc1', tensors: { net1: 'r2', net2: 'r2' } },
    ]);
    expect(p.reducers).toEqual([
      { name: 'moments', options: {} },
      { name: 'topk', options: { k: 2, patches: false } },
    ]);
    expect(p.items).toEqual({ start: 0, end: 5 });
  });

  it('records an .npy data tensor by its sha256, without preprocessing (it is used as it is)', async () => {
    const dir = tempDir('provenance-npy');
    const nets = models(dir);
    const data = join(dir, 'images.npy');
    writeImages(data, 9);
    const p = await probeData(dir, nets, { data }, 6);
    expect(p.data).toEqual({ source: data, limit: 6, itemShape: [...ITEM], file: identity(data) });
    expect(p.items).toEqual({ start: 0, end: 6 });
  });
});
