// The images of an ONNX probe are shaped by the first net's input (src/probe/probe-data.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dim } from '../../src/inputs/onnx/model.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { itemShapeFor, openProbeData } from '../../src/probe/probe-data.js';
import { tempDir } from '../cli/helpers.js';

/** A model that is just a ReLU over an input of the given dims. */
function reluModel(dims: Dim[]): string {
  const path = join(tempDir('probe-data'), 'relu.onnx');
  const b = new OnnxBuilder('relu');
  b.input('x', dims);
  b.node('Relu', ['x'], ['y']);
  b.output('y', dims);
  writeFileSync(path, encodeOnnx(b.build()));
  return path;
}

describe('itemShapeFor', () => {
  it("is the input's (C, H, W); a size HxW replaces H and W", async () => {
    const model = reluModel(['N', 1, 28, 28]);
    expect(await itemShapeFor(model)).toEqual([1, 28, 28]);
    expect(await itemShapeFor(model, '32x30')).toEqual([1, 32, 30]);
    await expect(itemShapeFor(model, '32')).rejects.toThrow('--size expects HxW (e.g. 224x224), got "32"');
  });

  it('needs a size for symbolic H and W, and refuses an input that is not (N, C, H, W)', async () => {
    const symbolic = reluModel(['N', 3, 'H', 'W']);
    await expect(itemShapeFor(symbolic)).rejects.toThrow(/input x has symbolic dims .*; give --size HxW/);
    expect(await itemShapeFor(symbolic, '9x7')).toEqual([3, 9, 7]);
    await expect(itemShapeFor(reluModel(['N', 10]))).rejects.toThrow(/input x has shape \["N",10\]; image data needs an \(N, C, H, W\) input/);
  });
});

describe('openProbeData', () => {
  it('opens MNIST for a 1x28x28 net, labelled with its split, and refuses a call without nets', async () => {
    const model = reluModel(['N', 1, 28, 28]);
    const { source, label } = await openProbeData({ data: 'mnist', split: '0:5' }, [{ name: 'a', path: model }]);
    try {
      expect(label).toBe('mnist (0:5)');
      expect(source.count).toBe(5);
      expect([...source.itemShape]).toEqual([1, 28, 28]);
    } finally {
      await source.close();
    }
    await expect(openProbeData({ data: 'mnist' }, [])).rejects.toThrow('name the nets with --net NAME=model.onnx');
  });
});
