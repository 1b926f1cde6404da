// Layer listing: every node output with its shape (batch symbolic, from shape inference at two
// batch sizes) and the default layers marked.
import { describe, expect, it } from 'vitest';
import { listLayers } from '../../src/forward/layer-shapes.js';
import { OnnxBuilder } from '../../src/onnx/builder.js';
import { opCaseModel as caseModel } from './op-cases.js';

describe('listLayers', () => {
  it('lists every node output with op, node, shape with a symbolic batch, and marks the defaults', () => {
    const model = caseModel('LeNet with BatchNorm');
    const layers = listLayers(model);
    expect(layers).toHaveLength(model.nodes.length);
    const conv1 = layers.find((l) => l.name === 'conv1')!;
    expect(conv1).toMatchObject({ op: 'Relu', isDefault: true, shape: ['N', 6, 20, 20] });
    const first = layers[0];
    // Named after the layer it feeds, never conv_1 next to conv1 (issue 10, item 20).
    expect(first).toMatchObject({ op: 'Conv', name: 'conv1.conv', isDefault: false, shape: ['N', 6, 20, 20] });
    expect(layers[1]).toMatchObject({ op: 'BatchNormalization', name: 'conv1.batchnormalization' });
    expect(layers.find((l) => l.op === 'Flatten')!.name).toBe('flatten.1');
    expect(layers.map((l) => l.name).filter((n) => /_\d/.test(n))).toEqual([]);
    expect(layers.find((l) => l.op === 'Flatten')!.shape).toEqual(['N', 90]);
    expect(layers.at(-1)!).toMatchObject({ op: 'Softmax', shape: ['N', 10] });
    expect(new Set(layers.map((l) => l.name)).size).toBe(layers.length);
  });

  it('shows a batch folded into another axis as N*k, and needs the item shape when the model leaves it open', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['batch', 3, 'H', 'W']);
    b.initializer('s', [2], [-1, 4]);
    b.node('Relu', ['x'], ['r']);
    b.node('Reshape', ['r', 's'], ['y']);
    b.output('y');
    const model = b.build();
    const open = listLayers(model);
    expect(open[0].shape).toEqual([]);
    expect(open[0].error).toMatch(/leave the item shape open/);
    const given = listLayers(model, [3, 4, 6]);
    expect(given.map((l) => l.shape)).toEqual([
      ['batch', 3, 4, 6],
      ['batch*18', 4],
    ]);
  });

  it('still lists a model with an unsupported op, with unknown shapes from there on', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 4]);
    b.node('Relu', ['x'], ['a']);
    b.node('Tanh', ['a'], ['t'], {}, 'squash');
    b.node('Relu', ['t'], ['y']);
    b.output('y');
    const layers = listLayers(b.build());
    expect(layers.map((l) => l.shape)).toEqual([['N', 4], [], []]);
    expect(layers[1].error).toMatch(/Tanh node "squash": Tanh is not supported/);
  });
});
