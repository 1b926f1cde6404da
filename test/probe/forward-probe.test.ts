// End to end: two small CNNs saved as ONNX give the same moments and the same matches through
// `--net x.onnx --data images.npy` (forward passes streamed into the moments) as through the
// activation files that onnxruntime wrote for the same images. The top-k records and the
// accuracy are checked against onnxruntime's activations too. On webgpu the probe keeps the
// activations on the device; a wrapper around GPUBuffer.mapAsync checks that nothing but the
// moments and the per-item maxima come back.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import type { BackendKind } from '../../src/backend/types.js';
import { openImageSource, type ImageSource } from '../../src/inputs/data/source.js';
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { probe } from '../../src/probe/probe.js';
import { TopKUnits } from '../../src/probe/reducers/topk.js';
import type { Reducer } from '../../src/probe/reducers/types.js';

const N = 23; // not a multiple of the batch size below, nor of 2 workers
const ITEM = [3, 10, 11] as const; // non-square, odd sizes
const LAYERS = [['conv1', 'r1'], ['conv2', 'r2'], ['fc1', 'r3']] as const;
const BATCH = 5;

/** A small CNN with ReLUs after two convs and a Gemm; `extraOutputs` exposes them to onnxruntime. */
function smallCnn(seed: number, extraOutputs: boolean): OnnxModel {
  const b = new OnnxBuilder(`cnn${seed}`);
  const w = (count: number, scale: number, s: number) => randomArray(count, seededNormal(seed * 100 + s), scale);
  b.input('x', ['N', ...ITEM]);
  b.initializer('w1', [5, 3, 3, 3], w(5 * 27, 0.4, 1));
  b.initializer('b1', [5], w(5, 0.1, 2));
  b.node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] });
  b.node('Relu', ['c1'], ['r1']);
  b.node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] });
  b.initializer('w2', [6, 5, 3, 3], w(6 * 45, 0.3, 3));
  b.node('Conv', ['p1', 'w2'], ['c2'], { pads: [1, 1, 1, 1] });
  b.node('Relu', ['c2'], ['r2']);
  b.node('Flatten', ['r2'], ['f'], { axis: 1 });
  b.initializer('w3', [7, 6 * 5 * 5], w(7 * 150, 0.2, 4));
  b.initializer('b3', [7], w(7, 0.1, 5));
  b.node('Gemm', ['f', 'w3', 'b3'], ['g'], { transB: 1 });
  b.node('Relu', ['g'], ['r3']);
  b.initializer('w4', [4, 7], w(28, 0.5, 6));
  b.node('Gemm', ['r3', 'w4'], ['y'], { transB: 1 });
  b.output('y', ['N', 4]);
  if (extraOutputs) {
    b.output('r1', ['N', 5, 10, 11]);
    b.output('r2', ['N', 6, 5, 5]);
    b.output('r3', ['N', 7]);
  }
  return b.build({ opset: 13 });
}

async function prepare() {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-forward-probe-'));
  const images = randomArray(N * ITEM[0] * ITEM[1] * ITEM[2], seededUniform(7));
  await writeNpy(join(dir, 'images.npy'), images, [N, ...ITEM]);
  const nets: { name: string; path: string }[] = [];
  const activationNets: { name: string; path: string }[] = [];
  /** Per net: onnxruntime's tensors by name (r1, r2, r3, y). */
  const oracle: Record<string, { data: Float32Array; dims: number[] }>[] = [];
  for (const seed of [1, 2]) {
    const name = `net${seed}`;
    const path = join(dir, `${name}.onnx`);
    await writeFile(path, encodeOnnx(smallCnn(seed, false)));
    nets.push({ name, path });
    // The oracle: onnxruntime's activations of the same images, written as .npy files.
    const session = await ort.InferenceSession.create(encodeOnnx(smallCnn(seed, true)));
    const result = await session.run({ x: new ort.Tensor('float32', images, [N, ...ITEM]) });
    const actDir = join(dir, `${name}-activations`);
    await mkdir(actDir);
    for (const [layer, tensor] of LAYERS) {
      const t = result[tensor];
      await writeNpy(join(actDir, `${layer}.npy`), t.data as Float32Array, t.dims as number[]);
    }
    activationNets.push({ name, path: actDir });
    oracle.push(Object.fromEntries(['r1', 'r2', 'r3', 'y'].map((t) => [t, { data: result[t].data as Float32Array, dims: result[t].dims as number[] }])));
  }
  return { dir, nets, activationNets, oracle };
}

/** The images with made-up labels: net1's predicted class for the first half, class 0 for the rest. */
async function labelledImages(dir: string, oracle: Awaited<ReturnType<typeof prepare>>['oracle']): Promise<{ data: ImageSource; accuracy: number[] }> {
  const argmax = (y: Float32Array, i: number) => [...y.subarray(i * 4, i * 4 + 4)].reduce((best, v, c, row) => (v > row[best] ? c : best), 0);
  const labels = Int32Array.from({ length: N }, (_, i) => (i < N / 2 ? argmax(oracle[0].y.data, i) : 0));
  const accuracy = oracle.map((o) => labels.reduce((sum, l, i) => sum + (argmax(o.y.data, i) === l ? 1 : 0), 0) / N);
  const source = await openImageSource(join(dir, 'images.npy'), { itemShape: [...ITEM] });
  // Same source, with labels: the prototype keeps its methods working on the wrapper.
  return { data: Object.create(source, { labels: { value: labels } }) as ImageSource, accuracy };
}

/** The top-k records must be those of onnxruntime's activations (same items and positions). */
async function expectTopKOfOracle(run: string, oracle: Awaited<ReturnType<typeof prepare>>['oracle']) {
  for (const [layer, tensor] of LAYERS) {
    for (const [k, net] of ['net1', 'net2'].entries()) {
      const { data, dims } = oracle[k][tensor];
      const top = new TopKUnits(dims[1], 9, dims[2] ?? 1, dims[3] ?? 1);
      top.add(data, Int32Array.from({ length: N }, (_, i) => i));
      const want = top.result();
      const read = async (what: string) => (await readNpy(join(run, 'reducers', 'topk', layer, `${net}.${what}.npy`))).data;
      expect(await read('items'), `${layer} ${net} items`).toEqual(want.items);
      expect(await read('y'), `${layer} ${net} y`).toEqual(want.ys);
      expect(await read('x'), `${layer} ${net} x`).toEqual(want.xs);
      // Images each unit fires on (the rare-unit rule's count), from the same maxima on every path.
      expect(await read('active'), `${layer} ${net} active`).toEqual(want.activeItems);
      const values = (await read('values')) as Float32Array;
      // Empty slots (the unit fired on fewer than 9 images) hold -Infinity on both sides.
      const scale = Math.max(...Array.from(want.values.filter(Number.isFinite), Math.abs));
      values.forEach((v, i) => (Number.isFinite(want.values[i]) ? expect(Math.abs(v - want.values[i])).toBeLessThanOrEqual(1e-5 * scale) : expect(v).toBe(-Infinity)));
    }
  }
}

/**
 * Runs `fn` while counting every GPUBuffer.mapAsync (buffer label and bytes). Dawn for Node puts
 * mapAsync on the buffers' prototype, so one buffer made here reaches every buffer's method.
 */
async function countingMaps<T>(device: GPUDevice, fn: () => Promise<T>): Promise<{ result: T; maps: { label: string; bytes: number }[] }> {
  const probeBuffer = device.createBuffer({ size: 16, usage: 0x0001 | 0x0008 });
  const proto = Object.getPrototypeOf(probeBuffer) as GPUBuffer;
  probeBuffer.destroy();
  const original = proto.mapAsync;
  const maps: { label: string; bytes: number }[] = [];
  proto.mapAsync = function (this: GPUBuffer, mode: number, offset?: number, size?: number) {
    maps.push({ label: this.label, bytes: size ?? this.size - (offset ?? 0) });
    return original.call(this, mode, offset, size);
  };
  try {
    return { result: await fn(), maps };
  } finally {
    proto.mapAsync = original;
  }
}

async function matches(run: string, backend: Awaited<ReturnType<typeof createBackend>>) {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  // The rare-unit rule off: the run from activation files has no per-image counts to apply it to (test/align/rare-units.test.ts covers it).
  const result = await align({ run, backend, registry: registry.methods, methods: ['semi', 'bipartite'], minActiveImages: 0 });
  return result.tables.get('matches')!.objects() as Record<string, unknown>[];
}

function randomArray(count: number, next: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => next() * scale);
}

describe('probe from ONNX models', async () => {
  const { available: gpuAvailable } = await webgpuAvailability();
  for (const kind of ['reference', 'wasm', ...(gpuAvailable ? ['webgpu'] : [])] as BackendKind[]) {
    it(`gives the moments and matches of onnxruntime's activation files (${kind})`, async () => {
      const { dir, nets, activationNets, oracle } = await prepare();
      const backend = await createBackend(kind, { threads: 2 });
      try {
        const fromFiles = join(dir, 'run-files');
        await probe({ nets: activationNets, out: fromFiles, backend });
        const fromOnnx = join(dir, 'run-onnx');
        const { data, accuracy } = await labelledImages(dir, oracle);
        const manifest = await probeOnnx({ nets, data, out: fromOnnx, backend, batchItems: BATCH });
        await data.close();
        // On webgpu the activations stay on the device (the next test checks what comes back).
        expect(manifest.backend.includes('on the device')).toBe(kind === 'webgpu');
        expect(manifest.nets.map((n) => n.accuracy)).toEqual(accuracy);
        expect(accuracy[0]).toBeGreaterThan(0.5); // the labels are not all wrong
        await expectTopKOfOracle(fromOnnx, oracle);
        expect(manifest.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1']);
        expect(manifest.layers.map((l) => l.samples)).toEqual([N * 110, N * 25, N]);
        // One pass over the images probes every layer: its time is recorded as shared, the same on each.
        expect(manifest.layers.every((l) => l.secondsShared === true && l.seconds === manifest.layers[0].seconds)).toBe(true);
        for (const layer of ['conv1', 'conv2', 'fc1']) {
          for (const file of ['mean.npy', 'm2.npy']) {
            const a = (await readNpy(join(fromFiles, 'moments', layer, file))).data as Float64Array;
            const b = (await readNpy(join(fromOnnx, 'moments', layer, file))).data as Float64Array;
            expect(b.length).toBe(a.length);
            const scale = Math.max(...Array.from(a, Math.abs));
            for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] - a[i])).toBeLessThanOrEqual(1e-4 * scale);
          }
        }
        const ma = await matches(fromFiles, backend);
        const mb = await matches(fromOnnx, backend);
        const pick = (rows: Record<string, unknown>[]) => rows.map((r) => [r.layer, r.unit_a, r.semi_unit_b, r.bipartite_unit_b]);
        expect(pick(mb)).toEqual(pick(ma));
        // Top-k records and patches for the report.
        const topk = JSON.parse(await readFile(join(fromOnnx, 'reducers', 'topk', 'conv2', 'result.json'), 'utf8'));
        expect(topk.k).toBe(9);
        expect(topk.nets.net1.receptiveField.y).toEqual({ jump: 2, size: 8, start: -3 });
        expect(existsSync(join(fromOnnx, 'reducers', 'topk', 'conv2', 'net1', '5.png'))).toBe(true);
        const items = (await readNpy(join(fromOnnx, 'reducers', 'topk', 'fc1', 'net2.items.npy'))).data as Int32Array;
        const filled = items.subarray(0, 9).filter((i) => i >= 0);
        expect(new Set(filled).size).toBe(filled.length); // different images per unit, empty slots (-1) after them
      } finally {
        await backend.dispose();
      }
    }, 60_000);
  }

  it.runIf(gpuAvailable)('reads back nothing but the moments, the per-item maxima and the predictions (webgpu)', async () => {
    const { dir, nets, oracle } = await prepare();
    const backend = await createBackend('webgpu');
    try {
      const { data } = await labelledImages(dir, oracle);
      const out = join(dir, 'run-device');
      const { result: manifest, maps } = await countingMaps(backend.gpu!.device, () => probeOnnx({ nets, data, out, backend, batchItems: BATCH, patches: false }));
      await data.close();
      expect(manifest.backend).toMatch(/on the device/);
      const batches = Math.ceil(N / BATCH);
      const moments = maps.filter((m) => m.label.startsWith('convergent.moments: readback'));
      const maxima = maps.filter((m) => m.label === 'convergent.forward.device-probe: maxima readback');
      // Nothing else: in particular no activation read-back (the forward kernels' 'convergent.forward: readback').
      expect(maps.filter((m) => !moments.includes(m) && !maxima.includes(m))).toEqual([]);
      expect(moments.length).toBe(batches * LAYERS.length);
      expect(maxima.length).toBe(batches);
      // Per item: a (max, position) pair per unit of every layer of both nets, and (max, class) per net.
      const unitsPerItem = 5 + 5 + 6 + 6 + 7 + 7;
      expect(maxima.reduce((s, m) => s + m.bytes, 0)).toBe(N * (unitsPerItem + 2) * 2 * 4);
      // Each moment read-back is the layer's (padded) d x d state, whatever the samples: the
      // kernel pads d <= 14 units to at most one 64-unit tile (shift, S1 and the S2 tile).
      for (const m of moments) expect(m.bytes).toBeLessThanOrEqual(4 * (2 * 64 + 64 * 64));
      const perLayer = LAYERS.map((_, li) => new Set(moments.filter((__, j) => j % LAYERS.length === li).map((m) => m.bytes)));
      expect(perLayer.map((sizes) => sizes.size)).toEqual([1, 1, 1]); // the last, 3-item batch reads as much as the others
    } finally {
      await backend.dispose();
    }
  }, 60_000);

  it.runIf(gpuAvailable)('falls back to host arrays on webgpu when a plugin reducer needs them', async () => {
    const { dir, nets } = await prepare();
    const backend = await createBackend('webgpu');
    let samples = 0;
    const counter: Reducer = {
      name: 'count',
      description: 'counts samples (a reducer that reads host arrays)',
      create: () => ({
        update(batch) {
          samples += batch.samples;
        },
        finish: () => ({ json: { samples } }),
      }),
    };
    try {
      const data = await openImageSource(join(dir, 'images.npy'), { itemShape: [...ITEM] });
      const manifest = await probeOnnx({ nets, data, out: join(dir, 'run-host'), backend, batchItems: BATCH, reducers: [counter], patches: false });
      await data.close();
      expect(manifest.backend).not.toMatch(/on the device/);
      expect(samples).toBe(N * (110 + 25 + 1));
    } finally {
      await backend.dispose();
    }
  }, 60_000);
});
