// The deconvnet's heavy steps: the float64 reference is the adjoint of the forward reference op
// (<f(x), y> = <x, f'(y)>, the dot-product test), and the WASM ops (the training backward
// kernels) equal the reference, on shapes the fixture net does not reach: dilation, three groups,
// asymmetric pads, unequal strides, sizes not multiples of 4; a sparse signal (the view's start)
// and a dense one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, gemm } from '../../../src/forward/reference/index.js';
import { convTransposeReference, denseTransposeReference, referenceDeconvOps } from '../../../src/forward/deconv/reference-ops.js';
import { wasmDeconvOps } from '../../../src/forward/deconv/wasm-ops.js';
import type { ConvTransposeCall, DeconvOps, DenseTransposeCall } from '../../../src/forward/deconv/ops.js';
import type { ConvStep, ExecutionPlan } from '../../../src/forward/plan.js';
import { WasmInstance } from '../../../src/kernels/wasm-module.js';
import { expectAdjoint, tensors } from './adjoint.js';

const tensor = tensors(2014);

const step: ConvStep = { kind: 'conv', inputs: [0, 1], group: 3, kernel: [3, 2], strides: [2, 1], pads: [2, 0, 1, 3], dilations: [2, 3] };
const x = tensor([1, 6, 11, 9]);
const w = tensor([9, 2, 3, 2]);
const y = conv2d(x, w, undefined, step);
const convCall: ConvTransposeCall = { step, weightId: 1, weights: w.data, inShape: x.shape, outShape: y.shape };
const fc = tensor([7, 13]); // (M, K) with transB, or (K, M) without: both 91 values
const denseCall = (transB: boolean): DenseTransposeCall => ({ weightId: 2, weights: fc.data, transB, alpha: 0.75, K: 13, M: 7 });

/** A plan holding just the constants the WASM ops upload (and tensors sized like the test's). */
const plan: ExecutionPlan = {
  tensors: [
    { id: 0, name: 'x', shape: x.shape },
    { id: 1, name: 'w', shape: w.shape, constant: w.data },
    { id: 2, name: 'fc', shape: [7, 13], constant: fc.data },
    { id: 3, name: 'y', shape: y.shape },
    { id: 4, name: 'a', shape: [1, 13] },
    { id: 5, name: 'z', shape: [1, 7] },
  ],
  input: 0,
  outputs: [3],
  steps: [
    { ...step, output: 3, node: 'conv', opType: 'Conv' },
    { kind: 'gemm', inputs: [4, 2], alpha: 1, beta: 0, transA: false, transB: true, output: 5, node: 'fc', opType: 'Gemm' },
  ],
  batch: 1,
};

describe('deconvnet ops', () => {
  let wasm: DeconvOps;
  beforeAll(async () => {
    wasm = wasmDeconvOps(plan, await WasmInstance.create());
  });
  afterAll(() => wasm.dispose());

  it('the reference transposed convolution is the adjoint of the convolution (dilation, 3 groups, asymmetric pads)', () => {
    const s = tensor(y.shape);
    expectAdjoint(y.data, s.data, [[x.data, convTransposeReference(convCall, Float64Array.from(s.data))]]);
  });

  for (const transB of [true, false]) {
    it(`the reference transposed dense layer is the adjoint of gemm (transB ${transB})`, () => {
      const a = tensor([1, 13]);
      const b = { shape: transB ? [7, 13] : [13, 7], data: fc.data };
      const z = gemm(a, b, undefined, { alpha: 0.75, beta: 0, transA: false, transB });
      const s = tensor([1, 7]);
      expectAdjoint(z.data, s.data, [[a.data, denseTransposeReference(denseCall(transB), Float64Array.from(s.data))]]);
    });
  }

  const close = (a: Float64Array, b: Float64Array) => {
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < b.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    expect(a.length).toBe(b.length);
    expect(worst / scale).toBeLessThan(1e-5);
  };

  it('WASM transposed convolution equals the reference: a dense signal, and one position of one channel', () => {
    const [, M, OH, OW] = y.shape;
    for (const [m, oy, ox] of [[4, 2, 3], [0, 0, 0], [M - 1, OH - 1, OW - 1]]) {
      const s = new Float64Array(M * OH * OW);
      s[(m * OH + oy) * OW + ox] = 1.5;
      close(wasm.convTranspose(convCall, s), referenceDeconvOps.convTranspose(convCall, s));
    }
    const dense = Float64Array.from(tensor(y.shape).data);
    close(wasm.convTranspose(convCall, dense), referenceDeconvOps.convTranspose(convCall, dense));
  });

  for (const transB of [true, false]) {
    it(`WASM transposed dense layer equals the reference (transB ${transB})`, () => {
      const s = Float64Array.from(tensor([1, 7]).data);
      close(wasm.denseTranspose(denseCall(transB), s), referenceDeconvOps.denseTranspose(denseCall(transB), s));
    });
  }

  it('WASM unpooling and ReLU equal the reference (a window with no input tap drops its signal)', () => {
    const s = Float64Array.from(tensor([1, 11]).data);
    const switches = Int32Array.from([3, 0, 3, -1, 7, 8, 2, 2, 5, -1, 1]);
    close(wasm.unpool(s, switches, 9), referenceDeconvOps.unpool(s, switches, 9));
    close(wasm.relu(Float64Array.from(s)), referenceDeconvOps.relu(Float64Array.from(s)));
  });
});
