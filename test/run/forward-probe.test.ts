// End to end: two small CNNs saved as ONNX give the same moments and the same matches through
// `--net x.onnx --data images.npy` (forward passes streamed into the moments) as through the
// activation files that onnxruntime wrote for the same images.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import type { BackendKind } from '../../src/backend/types.js';
import { openImageSource } from '../../src/data/source.js';
import { seededNormal, seededUniform } from '../../src/example/random.js';
import { writeNpy } from '../../src/io/npy-write.js';
import { readNpy } from '../../src/io/npy-read.js';
import { builtinPlugin } from '../../src/methods/builtin/index.js';
import { OnnxBuilder } from '../../src/onnx/builder.js';
import { encodeOnnx } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/run/align.js';
import { probeOnnx } from '../../src/run/forward-probe.js';
import { probe } from '../../src/run/probe.js';

const N = 23; // not a multiple of the batch size below, nor of 2 workers
const ITEM = [3, 10, 11] as const; // non-square, odd sizes

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
    for (const [layer, tensor] of [['conv1', 'r1'], ['conv2', 'r2'], ['fc1', 'r3']] as const) {
      const t = result[tensor];
      await writeNpy(join(actDir, `${layer}.npy`), t.data as Float32Array, t.dims as number[]);
    }
    activationNets.push({ name, path: actDir });
  }
  return { dir, nets, activationNets };
}

async function matches(run: string, backend: Awaited<ReturnType<typeof createBackend>>) {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  const result = await align({ run, backend, registry: registry.methods, methods: ['semi', 'bipartite'] });
  return result.tables.get('matches')!.objects() as Record<string, unknown>[];
}

function randomArray(count: number, next: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => next() * scale);
}

describe('probe from ONNX models', async () => {
  const { available: gpuAvailable } = await webgpuAvailability();
  for (const kind of ['reference', 'wasm', ...(gpuAvailable ? ['webgpu'] : [])] as BackendKind[]) {
    it(`gives the moments and matches of onnxruntime's activation files (${kind})`, async () => {
      const { dir, nets, activationNets } = await prepare();
      const backend = await createBackend(kind, { threads: 2 });
      try {
        const fromFiles = join(dir, 'run-files');
        await probe({ nets: activationNets, out: fromFiles, backend });
        const fromOnnx = join(dir, 'run-onnx');
        const data = await openImageSource(join(dir, 'images.npy'), { itemShape: [...ITEM] });
        const manifest = await probeOnnx({ nets, data, out: fromOnnx, backend, batchItems: 5 });
        await data.close();
        expect(manifest.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1']);
        expect(manifest.layers.map((l) => l.samples)).toEqual([N * 110, N * 25, N]);
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
        expect(new Set(items.subarray(0, 9)).size).toBe(9); // nine different images per unit
      } finally {
        await backend.dispose();
      }
    }, 60_000);
  }
});
