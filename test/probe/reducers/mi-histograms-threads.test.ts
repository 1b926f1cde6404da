// The mi-histograms reducer through the WASM backend with its joint histograms counted on worker
// threads (src/kernels/joint-histogram/parallel.ts) gives the output of one thread byte for byte:
// the joint histograms counted whole, a layer counted from binned columns (its pairs counted on
// threads at the end), each also through a checkpoint in the middle of the counting pass, and a
// layer counted in tiles (which stays on one thread). Three nets of awkward widths with more unit
// pairs than the threaded kernel's minimum. The workers are the compiled ones (`npm run build:ts`).
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../../../src/backend/wasm.js';
import type { Backend } from '../../../src/backend/types.js';
import { MIN_UNIT_PAIRS } from '../../../src/kernels/joint-histogram/parallel.js';
import type { ReducerLayer, ReducerOutput } from '../../../src/probe/reducers/types.js';
import { Rng } from '../../helpers/rng.js';
import { N, run as runLayer } from './mi-layer-helpers.js';

const NETS = [
  { name: 'a', units: 41 },
  { name: 'b', units: 53 },
  { name: 'c', units: 67 },
];
const BINS = 7;

/** Unit-major ReLU'd correlated normals (net a float32, the others float64), a dead unit in net b. */
function makeData(seed: number): (Float32Array | Float64Array)[] {
  const rng = new Rng(seed);
  const shared = Array.from({ length: N }, () => rng.normal());
  return NETS.map((net, k) => {
    const data = k === 0 ? new Float32Array(net.units * N) : new Float64Array(net.units * N);
    for (let u = 0; u < net.units; u++) {
      for (let s = 0; s < N; s++) data[u * N + s] = k === 1 && u === 2 ? 0 : Math.max(0, 0.6 * shared[s] + rng.normal() + 0.01 * u);
    }
    return data;
  });
}

const backends: Backend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});
async function backend(threads: number): Promise<Backend> {
  const b = await createWasmBackend({ threads });
  backends.push(b);
  return b;
}

/** Every pass of the layer in random batches, with a save and restore through files after batch 3 of pass 1 when `cut`. */
const run = (layer: ReducerLayer, data: (Float32Array | Float64Array)[], cut: boolean) => runLayer(data, layer, cut ? { pass: 1, batch: 3 } : undefined);

/** Both outputs' arrays byte for byte, and their json but for the kernel's name. */
function expectSameOutput(got: ReducerOutput, want: ReducerOutput): void {
  expect(Object.keys(got.arrays!).sort()).toEqual(Object.keys(want.arrays!).sort());
  for (const [key, array] of Object.entries(want.arrays!)) {
    const g = got.arrays![key];
    expect(g.shape, key).toEqual(array.shape);
    const bytes = (a: typeof array.data) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(g.data).equals(bytes(array.data)), key).toBe(true);
  }
  expect({ ...(got.json as object), kernel: '' }).toEqual({ ...(want.json as object), kernel: '' });
}

describe('mi-histograms on the WASM backend: threads', () => {
  const data = makeData(3);
  const layerOn = (b: Backend, options: Record<string, unknown> = {}): ReducerLayer => ({ layer: 'conv3', nets: NETS, samples: N, samplesPerItem: 1, options: { bins: BINS, reservoir: 50, ...options }, backend: b });

  it('2 threads count the joint histograms as 1 thread, byte for byte, also through a checkpoint', async () => {
    expect(41 * 53 + 41 * 67 + 53 * 67).toBeGreaterThanOrEqual(MIN_UNIT_PAIRS);
    const one = await run(layerOn(await backend(1)), data, false);
    expect((one.json as { kernel: string }).kernel).toBe('wasm-simd (1 thread)');
    const two = layerOn(await backend(2));
    const threaded = await run(two, data, false);
    expect((threaded.json as { kernel: string }).kernel).toBe('wasm-simd (2 threads)');
    expectSameOutput(threaded, one);
    expectSameOutput(await run(two, data, true), one);
  });

  it('a layer counted from binned columns counts its pairs on 2 threads as on 1, byte for byte, also through a checkpoint', async () => {
    const columns = { counting: 'columns' };
    const one = await run(layerOn(await backend(1), columns), data, false);
    expect((one.json as { kernel: string }).kernel).toBe('wasm-simd binned columns (1 thread)');
    const two = layerOn(await backend(2), columns);
    const threaded = await run(two, data, false);
    expect((threaded.json as { kernel: string; columns?: unknown }).columns).toBeDefined();
    expect((threaded.json as { kernel: string }).kernel).toBe('wasm-simd binned columns (2 threads)');
    expectSameOutput(threaded, one);
    expectSameOutput(await run(two, data, true), one);
  });

  it('a layer counted in tiles stays on one thread and gives the same MI', async () => {
    const tiles = { counting: 'tiles', 'max-memory-mb': 0.2 };
    const one = await run(layerOn(await backend(1), tiles), data, false);
    const two = await run(layerOn(await backend(2), tiles), data, false);
    expect((two.json as { kernel: string; tiled?: { tiles: number } }).tiled!.tiles).toBeGreaterThan(1);
    expect((two.json as { kernel: string }).kernel).toBe('wasm-simd (1 thread)');
    expectSameOutput(two, one);
  });
});
