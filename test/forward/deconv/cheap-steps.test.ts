// The deconvnet's rules for the linear cheap steps are the adjoints of the forward reference ops:
// <f(x), y> = <x, f'(y)> for seeded x and y (the dot-product test), on odd shapes; and the switches
// point at each window's first maximum, as the forward max pooling takes it.
import { describe, expect, it } from 'vitest';
import { avgPool2d, binary, channelAffine, concat, globalAvgPool, maxPool2d, pad, type RefTensor } from '../../../src/forward/reference/index.js';
import { avgUnpool, binaryInputSignal, channelScale, concatSlice, cropPad, globalAvgUnpool } from '../../../src/forward/deconv/cheap-steps.js';
import { maxPoolSwitches } from '../../../src/forward/deconv/switches.js';
import type { BinaryStep, ConcatStep, PadStep, PoolStep } from '../../../src/forward/plan.js';
import { expectAdjoint, tensors } from './adjoint.js';

const tensor = tensors(15);
const f64 = (t: RefTensor) => Float64Array.from(t.data);

/** f(x) = fx and its adjoint at y. */
function expectAdjointOf(x: RefTensor, fx: RefTensor, y: RefTensor, adjointY: Float64Array): void {
  expectAdjoint(fx.data, y.data, [[x.data, adjointY]]);
}

const pool = (over: Partial<PoolStep>): PoolStep => ({ kind: 'avgpool', inputs: [0], kernel: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1], dilations: [1, 2], countIncludePad: false, ...over });

describe('deconvnet rules of the cheap steps are the forward ops\' adjoints', () => {
  for (const countIncludePad of [false, true]) {
    it(`average pooling (pads, strides, dilation, countIncludePad ${countIncludePad})`, () => {
      const step = pool({ countIncludePad });
      const x = tensor([1, 3, 9, 11]);
      const fx = avgPool2d(x, { ...step });
      const y = tensor(fx.shape);
      expectAdjointOf(x, fx, y, avgUnpool(step, f64(y), x.shape, fx.shape));
    });
  }

  it('global average pooling', () => {
    const x = tensor([1, 5, 7, 3]);
    const fx = globalAvgPool(x);
    const y = tensor(fx.shape);
    expectAdjointOf(x, fx, y, globalAvgUnpool(f64(y), x.shape));
  });

  it('a per-channel affine map (its scale)', () => {
    const x = tensor([1, 5, 3, 7]);
    const scale = tensor([5]).data;
    const fx = channelAffine(x, scale, new Float32Array(5));
    const y = tensor(fx.shape);
    expectAdjointOf(x, fx, y, channelScale(f64(y), scale, x.shape));
  });

  for (const fn of ['add', 'mul'] as const) {
    it(`${fn} with a constant broadcast along two axes`, () => {
      const step: BinaryStep = { kind: 'binary', inputs: [0, 1], fn };
      const x = tensor([1, 3, 5, 7]);
      const c = tensor([3, 1, 7]);
      // add: the signal of x is the linear part, x -> x + c minus the constant.
      const fx = binary(fn, x, c);
      if (fn === 'add') fx.data.set(binary('add', x, { shape: c.shape, data: new Float32Array(c.data.length) }).data);
      const y = tensor(fx.shape);
      expectAdjointOf(x, fx, y, binaryInputSignal(step, f64(y), fx.shape, x.shape, fn === 'mul' ? c : undefined));
    });
  }

  it('an input broadcast along an axis gets the signal summed over it', () => {
    const step: BinaryStep = { kind: 'binary', inputs: [0, 1], fn: 'add' };
    const x = tensor([1, 3, 1, 7]);
    const zeros = { shape: [1, 3, 5, 7], data: new Float32Array(105) };
    const fx = binary('add', x, zeros);
    const y = tensor(fx.shape);
    expectAdjointOf(x, fx, y, binaryInputSignal(step, f64(y), fx.shape, x.shape));
  });

  it('concat along channels: each input its slice', () => {
    const step: ConcatStep = { kind: 'concat', inputs: [0, 1, 2], axis: 1 };
    const xs = [tensor([1, 2, 3, 5]), tensor([1, 3, 3, 5]), tensor([1, 1, 3, 5])];
    const fx = concat(xs, 1);
    const y = tensor(fx.shape);
    const shapes = xs.map((t) => t.shape);
    expectAdjoint(fx.data, y.data, xs.map((x, k) => [x.data, concatSlice(step, f64(y), shapes, k)]));
  });

  it('constant padding: the signal cropped to the input', () => {
    const step: PadStep = { kind: 'pad', inputs: [0], mode: 'constant', pads: [0, 0, 2, 1, 0, 0, 1, 3], value: 0 };
    const x = tensor([1, 3, 5, 7]);
    const fx = pad(x, step.pads, 'constant', 0);
    const y = tensor(fx.shape);
    expectAdjointOf(x, fx, y, cropPad(step, f64(y), x.shape, fx.shape));
  });

  it('switches: each max-pool output is the input its index points at (pads, strides, dilation)', () => {
    const step = pool({ kind: 'maxpool' });
    const x = tensor([1, 3, 9, 11]);
    const fx = maxPool2d(x, { ...step });
    const switches = maxPoolSwitches(step, x.data, x.shape, fx.shape);
    for (let o = 0; o < fx.data.length; o++) expect(x.data[switches[o]]).toBe(fx.data[o]);
    // Ties: the first maximum in row-major window order.
    const flat: RefTensor = { shape: [1, 1, 3, 4], data: new Float32Array(12).fill(1) };
    const tie: PoolStep = { ...pool({ kind: 'maxpool' }), kernel: [2, 2], strides: [1, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };
    expect([...maxPoolSwitches(tie, flat.data, flat.shape, [1, 1, 2, 2])]).toEqual([0, 2, 4, 6]);
  });
});
