// Caffe's LeNet (conv 20 5x5, maxpool 2, conv 50 5x5, maxpool 2, fc 500, relu, fc 10) on MNIST-
// sized input, batch 64, through compilePlan + PlanRunner on the WebGPU kernels: checked against
// onnxruntime over several batches (its throughput is measured by `npm run bench`, not here).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { compilePlan } from '../../src/forward/compile.js';
import { PlanRunner } from '../../src/forward/executor.js';
import { createWebGpuKernels, type WebGpuKernels } from '../../src/forward/webgpu/kernels.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import type { OnnxModel } from '../../src/inputs/onnx/model.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { webgpuAvailability } from '../helpers/webgpu.js';
import { expectClose, runOnnxruntime } from './harness.js';

const { available } = await webgpuAvailability();

function lenet(): OnnxModel {
  const b = new OnnxBuilder('lenet');
  const g = seededNormal(31);
  const w = (name: string, dims: number[]) => {
    const fanIn = dims.length > 1 ? dims.slice(1).reduce((x, y) => x * y, 1) : 4;
    b.initializer(name, dims, Float32Array.from({ length: dims.reduce((x, y) => x * y, 1) }, () => g() / Math.sqrt(fanIn)));
  };
  b.input('data', ['N', 1, 28, 28]);
  w('conv1.w', [20, 1, 5, 5]);
  w('conv1.b', [20]);
  w('conv2.w', [50, 20, 5, 5]);
  w('conv2.b', [50]);
  w('ip1.w', [500, 800]);
  w('ip1.b', [500]);
  w('ip2.w', [10, 500]);
  w('ip2.b', [10]);
  b.node('Conv', ['data', 'conv1.w', 'conv1.b'], ['conv1'], { kernel_shape: [5, 5] });
  b.node('MaxPool', ['conv1'], ['pool1'], { kernel_shape: [2, 2], strides: [2, 2] });
  b.node('Conv', ['pool1', 'conv2.w', 'conv2.b'], ['conv2'], { kernel_shape: [5, 5] });
  b.node('MaxPool', ['conv2'], ['pool2'], { kernel_shape: [2, 2], strides: [2, 2] });
  b.node('Flatten', ['pool2'], ['flat']);
  b.node('Gemm', ['flat', 'ip1.w', 'ip1.b'], ['ip1'], { transB: 1 });
  b.node('Relu', ['ip1'], ['relu1']);
  b.node('Gemm', ['relu1', 'ip2.w', 'ip2.b'], ['ip2'], { transB: 1 });
  b.output('ip2');
  return b.build({ opset: 13 });
}

describe.runIf(available)('LeNet on the WebGPU kernels', () => {
  let gpu: GpuContext;
  let kernels: WebGpuKernels;
  beforeAll(async () => {
    gpu = (await acquireGpu({ allowSoftware: true }))!;
    kernels = createWebGpuKernels(gpu);
  });
  afterAll(async () => {
    await kernels?.dispose();
    gpu?.release();
  });

  it('matches onnxruntime at batch 64, batch after batch', async () => {
    const batch = 64;
    const model = lenet();
    const shape = [batch, 1, 28, 28];
    const u = seededUniform(5);
    const inputs = Array.from({ length: 3 }, () => Float32Array.from({ length: batch * 784 }, () => u()));
    const plan = compilePlan(model, shape);
    const runner = new PlanRunner(plan, kernels);
    try {
      await withGpuErrorScope(gpu.device, async () => {
        const [got] = await runner.run(inputs[0], [plan.outputs[0]]);
        const want = await runOnnxruntime(model, { data: { data: inputs[0], dims: shape } });
        expectClose(got, want.data, 1e-4, 'LeNet logits');
        // Later batches reuse the pipelines, pooled buffers and repacked weights: still exact.
        for (const input of inputs.slice(1)) {
          const [again] = await runner.run(input, [plan.outputs[0]]);
          const expected = await runOnnxruntime(model, { data: { data: input, dims: shape } });
          expectClose(again, expected.data, 1e-4, 'LeNet logits, later batch');
        }
      });
    } finally {
      runner.dispose();
    }
  });
});
