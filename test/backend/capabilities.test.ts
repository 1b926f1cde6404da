// Every backend is one object that offers every capability and says what it has: the reference
// and WASM backends always, WebGPU where an adapter exists. Each capability is exercised once
// here and checked against the reference backend's (the kernels' own tests check the numerics).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend, BackendCapabilities, BackendKind } from '../../src/backend/types.js';
import type { JointHistogramSpec } from '../../src/kernels/joint-histogram/index.js';
import { lenet } from '../forward/wasm-nets.js';
import { expectClose } from '../forward/harness.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { Rng } from '../helpers/rng.js';

const { available: gpuAvailable } = await webgpuAvailability();

/** What each backend says it has ('<adapter>' stands for the WebGPU adapter's label). */
const HAS: Record<BackendKind, BackendCapabilities> = {
  reference: { moments: 'reference (float64 TypeScript)', forward: 'reference', probeOnDevice: false, jointHistogram: 'reference', trainer: 'wasm' },
  wasm: { moments: 'wasm-simd x2 threads', forward: 'wasm-simd', probeOnDevice: false, jointHistogram: 'wasm-simd', trainer: 'wasm' },
  webgpu: { moments: 'webgpu (<adapter>)', forward: 'webgpu', probeOnDevice: true, jointHistogram: 'webgpu', trainer: 'webgpu' },
};

const ITEMS = 5;
const net = lenet();

/** A joint-histogram spec over two nets of 3 and 5 units, 4 bins, with 7 samples per unit. */
function histogramCase(): { spec: JointHistogramSpec; nets: Float32Array[]; samples: number } {
  const rng = new Rng(11);
  const units = [3, 5];
  const bins = 4;
  const samples = 7;
  const edges = units.map((u) => Float64Array.from({ length: u * (bins - 1) }, (_, i) => [0, 0.3, 0.6][i % (bins - 1)]));
  const nets = units.map((u) => Float32Array.from({ length: u * samples }, () => rng.uniform() * 1.2 - 0.2));
  return { spec: { bins, units, edges, pairs: [[0, 1]] }, nets, samples };
}

async function forwardOn(backend: Backend, input: Float32Array): Promise<Float32Array[]> {
  const engine = await backend.forwardEngine([{ name: 'lenet', model: net.model, captures: ['relu1', 'ip2'] }], net.itemShape);
  try {
    return (await engine.forward(input, ITEMS))[0];
  } finally {
    await engine.dispose();
  }
}

async function countsOn(backend: Backend): Promise<Float64Array[]> {
  const { spec, nets, samples } = histogramCase();
  const kernel = await backend.jointHistogram(spec);
  try {
    expect(kernel.name.startsWith(backend.capabilities.jointHistogram)).toBe(true);
    await kernel.add(nets, samples);
    return await kernel.counts();
  } finally {
    await kernel.dispose();
  }
}

let reference: Backend;
beforeAll(async () => {
  reference = await createBackend('reference');
});
afterAll(() => reference.dispose());

describe.each(['reference', 'wasm', 'webgpu'] as BackendKind[])('the %s backend', (kind) => {
  const skip = kind === 'webgpu' && !gpuAvailable;

  it.skipIf(skip)('says what it has, and has exactly that', async () => {
    const backend = await createBackend(kind, { threads: 2 });
    try {
      const label = backend.gpu?.label ?? '';
      expect(backend.kind).toBe(kind);
      expect(backend.capabilities).toEqual({ ...HAS[kind], moments: HAS[kind].moments.replace('<adapter>', label) });
      expect(backend.moments.name).toBe(backend.capabilities.moments);
      expect(backend.probeOnDevice !== undefined).toBe(backend.capabilities.probeOnDevice);
      // The device: a GPU context on webgpu only, the threads asked for on wasm only.
      expect(backend.gpu !== undefined).toBe(kind === 'webgpu');
      expect(backend.threads).toBe(kind === 'wasm' ? 2 : undefined);
      // The trainer runs on the backend's own device.
      expect(backend.trainer.options).toEqual(kind === 'webgpu' ? { backend: 'webgpu', gpu: backend.gpu } : { backend: 'wasm' });
      expect(backend.trainer.options.gpu).toBe(backend.gpu);
    } finally {
      await backend.dispose();
    }
  });

  it.skipIf(skip)('runs forward passes and joint histograms as the reference backend does', async () => {
    const backend = await createBackend(kind, { threads: 2 });
    try {
      const rng = new Rng(3);
      const input = Float32Array.from({ length: ITEMS * net.itemShape.reduce((a, b) => a * b, 1) }, () => rng.uniform());
      const [relu1, ip2] = await forwardOn(backend, input);
      const [wantRelu1, wantIp2] = await forwardOn(reference, input);
      expectClose(relu1, wantRelu1, 1e-4, `${kind} relu1`);
      expectClose(ip2, wantIp2, 1e-4, `${kind} ip2`);
      const counts = await countsOn(backend);
      const want = await countsOn(reference);
      expect(counts.map((c) => Array.from(c))).toEqual(want.map((c) => Array.from(c)));
      expect(want[0].reduce((a, b) => a + b, 0)).toBe(3 * 5 * 7); // every (unit, unit, sample) counted once
    } finally {
      await backend.dispose();
    }
  }, 60_000);
});

it('refuses an unknown backend name, naming the choices', async () => {
  const { backendRequest } = await import('../../src/backend/select.js');
  expect(backendRequest('wasm')).toBe('wasm');
  expect(() => backendRequest('cuda')).toThrow(/--backend: unknown backend "cuda" \(choose auto, webgpu, wasm, reference\)/);
});
