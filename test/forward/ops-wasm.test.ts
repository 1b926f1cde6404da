// Every op case (test/forward/op-cases.ts) compiled by the planner and run by PlanRunner on the
// WASM SIMD kernels, against onnxruntime within the case's tolerance (1e-4 relative by default);
// plus convolutions that take the WASM-only Winograd paths (3 x 3 and 5 x 5, stride 1, 16+
// channels: the shared cases use fewer channels). Direct comparisons with the reference kernels
// on odd sizes are in wasm/kernels.test.ts.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { OpKernels } from '../../src/forward/kernels.js';
import { createWasmKernels, type WasmTensor } from '../../src/forward/wasm/kernels.js';
import { seededNormal } from '../../src/util/random.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { checkCase } from './harness.js';
import { opCases, type OpCase } from './op-cases.js';

let kernels: OpKernels<WasmTensor>;
beforeAll(async () => {
  kernels = await createWasmKernels();
});
afterAll(() => kernels.dispose());

describe('wasm kernels match onnxruntime on every op case', () => {
  for (const c of opCases) it(c.name, () => checkCase(c, kernels));
});

/** One Conv (with bias) and a Relu after it, seeded weights of He scale. */
function convCase(name: string, inputShape: number[], cout: number, k: number, attrs: Record<string, number | number[]>, seed: number): OpCase {
  const group = typeof attrs.group === 'number' ? attrs.group : 1;
  const cin = inputShape[1];
  const b = new OnnxBuilder(name.replace(/[^A-Za-z0-9_]/g, '_'));
  b.input('x', ['N', ...inputShape.slice(1)]);
  const g = seededNormal(seed);
  const fanIn = (cin / group) * k * k;
  b.initializer('w', [cout, cin / group, k, k], Float32Array.from({ length: cout * fanIn }, () => g() * Math.sqrt(2 / fanIn)));
  b.initializer('b', [cout], Float32Array.from({ length: cout }, () => 0.1 * g()));
  b.node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [k, k], ...attrs });
  b.node('Relu', ['y'], ['z']);
  b.output('z');
  return { name, model: b.build(), inputShape };
}

describe('wasm Winograd convolutions match onnxruntime', () => {
  const cases = [
    convCase('Winograd 3x3 pads 1 (AlexNet conv3 style, smaller)', [3, 32, 13, 13], 40, 3, { pads: [1, 1, 1, 1] }, 11),
    convCase('Winograd 3x3 grouped, even map, no pads', [2, 34, 12, 10], 36, 3, { group: 2 }, 12),
    convCase('Winograd 3x3 asymmetric pads', [1, 17, 9, 11], 19, 3, { pads: [0, 2, 1, 0] }, 13),
    convCase('Winograd 5x5 pads 2 grouped (AlexNet conv2 style)', [2, 48, 27, 27], 64, 5, { pads: [2, 2, 2, 2], group: 2 }, 14),
    convCase('Winograd 5x5 no pads (LeNet conv2 style)', [5, 20, 12, 12], 50, 5, {}, 15),
    convCase('Winograd 5x5 asymmetric pads, odd map', [1, 16, 7, 10], 17, 5, { pads: [1, 3, 2, 0] }, 16),
  ];
  for (const c of cases) it(c.name, () => checkCase(c, kernels));
});
