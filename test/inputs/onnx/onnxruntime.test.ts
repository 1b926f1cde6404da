// Models from the builder are real ONNX: onnxruntime loads the encoded bytes and computes what the
// ONNX definitions say, on values small enough to check by hand. This pins the builder and the
// encoder independently of convergent's own kernels.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { f, OnnxBuilder } from '../../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../../src/inputs/onnx/encode.js';

function convLeaky(alpha: number | { float: number }) {
  const b = new OnnxBuilder('conv_leaky');
  b.input('x', ['N', 2, 2, 2]);
  b.initializer('w', [1, 2, 1, 1], Float32Array.from([2, -1]));
  b.initializer('b', [1], Float32Array.from([0.5]));
  b.node('Conv', ['x', 'w', 'b'], ['c']);
  b.node('LeakyRelu', ['c'], ['y'], { alpha });
  b.output('y', ['N', 1, 2, 2]);
  return b.build({ opset: 13 });
}

describe('builder models in onnxruntime', () => {
  it('loads and computes a 1x1 Conv + LeakyRelu as defined', async () => {
    const session = await ort.InferenceSession.create(encodeOnnx(convLeaky(f(0.25))));
    const x = Float32Array.from([1, 2, 3, 4, 0, 0, 10, 1]); // channel 0 then channel 1
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [1, 2, 2, 2]) });
    // c = 2 * x0 - x1 + 0.5 = [2.5, 4.5, -3.5, 7.5]; LeakyRelu(0.25) scales the negative one
    expect(Array.from(y.data as Float32Array)).toEqual([2.5, 4.5, -0.875, 7.5]);
    expect(y.dims).toEqual([1, 1, 2, 2]);
    await session.release();
  });

  it('f() makes an integral alpha a FLOAT attribute, which onnxruntime requires', async () => {
    const session = await ort.InferenceSession.create(encodeOnnx(convLeaky(f(1))));
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]), [1, 2, 2, 2]) });
    expect(Array.from(y.data as Float32Array)).toEqual([-0.5, -0.5, -0.5, -0.5]);
    await session.release();
    // a plain 1 is an INT attribute; onnxruntime rejects that for LeakyRelu's alpha
    const asInt = convLeaky(1);
    await expect(ort.InferenceSession.create(encodeOnnx(asInt))).rejects.toThrow(/alpha/);
  });
});
