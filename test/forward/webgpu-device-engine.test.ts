// The device probe engine against host arrays from the reference engine: per layer the moments of
// the stacked nets, per layer and net each item's maxima and positions, per net the predicted
// classes; over batch sizes that shrink and grow (buffers reused, then regrown), with nets of
// different widths, and with only the maxima read back by the engine itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { createInProcessEngine } from '../../src/forward/engine.js';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { createDeviceProbeEngine, type DeviceProbeEngine } from '../../src/forward/webgpu/device-engine.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { createWebGpuMomentKernel, type WebGpuMomentKernel } from '../../src/kernels/moments/webgpu.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { planeMaxima } from '../../src/probe/reducers/topk.js';
import { toUnitMajor } from '../../src/probe/forward-probe.js';
import { webgpuAvailability } from '../helpers/webgpu.js';

const { available } = await webgpuAvailability();
const ITEM = [2, 9, 7];

/** Conv (width c1) -> ReLU -> Flatten -> Gemm (width c2) -> ReLU -> Gemm (5 classes). */
function net(seed: number, c1: number, c2: number) {
  const b = new OnnxBuilder(`net${seed}`);
  const g = seededNormal(seed);
  const w = (name: string, dims: number[], scale: number) => b.initializer(name, dims, Float32Array.from({ length: dims.reduce((x, y) => x * y, 1) }, () => g() * scale));
  b.input('x', ['N', ...ITEM]);
  w('w1', [c1, 2, 3, 3], 0.4);
  w('b1', [c1], 0.1);
  b.node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 0, 1, 0] });
  b.node('Relu', ['c'], ['r1']);
  b.node('Flatten', ['r1'], ['f'], { axis: 1 });
  w('w2', [c2, c1 * 9 * 5], 0.1);
  b.node('Gemm', ['f', 'w2'], ['h'], { transB: 1 });
  b.node('Relu', ['h'], ['r2']);
  w('w3', [5, c2], 0.5);
  b.node('Gemm', ['r2', 'w3'], ['y'], { transB: 1 });
  b.output('y', ['N', 5]);
  return b.build({ opset: 13 });
}

describe.runIf(available)('device probe engine', () => {
  let gpu: GpuContext;
  let moments: WebGpuMomentKernel;
  let engine: DeviceProbeEngine;
  const nets = [
    { name: 'a', model: net(1, 3, 6) },
    { name: 'b', model: net(2, 4, 5) },
  ];
  const layers = [
    { name: 'conv', tensors: ['r1', 'r1'] },
    { name: 'fc', tensors: ['r2', 'r2'] },
  ];
  beforeAll(async () => {
    gpu = (await acquireGpu({ allowSoftware: true }))!;
    moments = createWebGpuMomentKernel(gpu);
    engine = createDeviceProbeEngine({ gpu, moments, nets, itemShape: ITEM, layers, outputs: ['y', undefined] });
  });
  afterAll(async () => {
    await engine?.dispose();
    await moments?.dispose();
    gpu?.release();
  });

  it('gives the moments, item maxima and predictions of the host arrays', async () => {
    const host = createInProcessEngine('reference', nets.map((n) => ({ ...n, captures: ['r1', 'r2', 'y'] })), ITEM, createReferenceKernels());
    const next = seededUniform(4);
    let expectedBytes = 0;
    try {
      for (const n of [6, 3, 9]) {
        const input = Float32Array.from({ length: n * 126 }, () => next() * 2 - 1);
        const got = await withGpuErrorScope(gpu.device, () => engine.forward(input, n));
        const want = await host.forward(input, n);
        expect(got.n).toBe(n);
        const units = [[3, 4], [6, 5]];
        const positions = [45, 1];
        layers.forEach((layer, li) => {
          const d = units[li][0] + units[li][1];
          const samples = n * positions[li];
          // The stacked unit-major batch the moment kernel should have seen.
          const joint = new Float32Array(d * samples);
          joint.set(toUnitMajor(want[0][li], n, units[li][0], positions[li]), 0);
          joint.set(toUnitMajor(want[1][li], n, units[li][1], positions[li]), units[li][0] * samples);
          const ref = batchMomentsReference(joint, d, samples);
          expect(got.moments[li].n).toBe(samples);
          const scale = Math.max(1, ...Array.from(ref.m2, Math.abs));
          ref.mean.forEach((m, i) => expect(Math.abs(got.moments[li].mean[i] - m), `${layer.name} mean ${i}`).toBeLessThan(1e-5));
          ref.m2.forEach((m, i) => expect(Math.abs(got.moments[li].m2[i] - m), `${layer.name} m2 ${i}`).toBeLessThan(1e-5 * scale));
          [0, 1].forEach((k) => {
            const c = units[li][k];
            const best = planeMaxima(want[k][li], n * c, positions[li]);
            const { values, positions: at } = got.maxima[li][k];
            expect(values.length).toBe(n * c);
            for (let i = 0; i < n; i++) {
              for (let u = 0; u < c; u++) {
                // Device: unit-major [u * n + i]; host planes: item-major [i * c + u].
                expect(Math.abs(values[u * n + i] - best.values[i * c + u]), `${layer.name} net ${k} item ${i} unit ${u}`).toBeLessThan(1e-5);
                expect(at[u * n + i], `${layer.name} net ${k} item ${i} unit ${u}`).toBe(best.positions[i * c + u]);
              }
            }
          });
        });
        const classes = planeMaxima(want[0][2], n, 5).positions;
        expect(got.predictions[0]).toEqual(classes);
        expect(got.predictions[1]).toBeUndefined();
        expectedBytes += 4 * (2 * n * (7 + 11) + 2 * n);
        expect(engine.stats()).toEqual({ reads: [6, 3, 9].indexOf(n) + 1, bytesRead: expectedBytes });
      }
    } finally {
      await host.dispose();
    }
  });

  it('refuses overlapping batches (its buffers are reused from batch to batch)', async () => {
    const input = new Float32Array(2 * 126);
    const first = engine.forward(input, 2);
    await expect(engine.forward(input, 2)).rejects.toThrow(/called again before the previous batch finished/);
    await first;
  });
});
