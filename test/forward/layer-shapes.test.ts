// Layer listing: every node output with its shape (batch symbolic, from shape inference at two
// batch sizes) and the default layers marked.
import { describe, expect, it } from 'vitest';
import { listLayers } from '../../src/forward/layer-shapes.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
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

describe('listLayers on a broken graph (issue 10 item 13)', () => {
  /** x -> Relu (a) -> Relu (b) -> y, with the nodes in the order given. */
  function chain(order: 'forward' | 'reversed', output = 'y'): ReturnType<OnnxBuilder['build']> {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 3]);
    const nodes: [string, string, string][] = [
      ['x', 'h', 'a'],
      ['h', 'y', 'b'],
    ];
    for (const [from, to, name] of order === 'forward' ? nodes : nodes.reverse()) b.node('Relu', [from], [to], {}, name);
    b.output(output);
    return b.build();
  }

  it('a well-formed chain lists its two layers', () => {
    expect(listLayers(chain('forward')).map((l) => l.tensor)).toEqual(['h', 'y']);
  });

  it('nodes out of topological order: says which node reads what before whom', () => {
    expect(() => listLayers(chain('reversed'))).toThrow('Relu node "b" reads "h" before Relu node "a" produces it (ONNX requires nodes in topological order)');
  });

  it('a graph output that nothing produces', () => {
    expect(() => listLayers(chain('forward', 'z'))).toThrow('graph output "z" is not produced by any node, initializer or graph input');
  });

  it('a dangling input and a cycle', () => {
    const b = new OnnxBuilder('g');
    b.input('x', ['N', 3]);
    b.node('Relu', ['x'], ['r0'], {}, 'first');
    b.node('Add', ['r0', 'r3'], ['r1'], {}, 'add');
    b.node('Relu', ['r1'], ['r2'], {}, 'second');
    b.node('Relu', ['r2'], ['r3'], {}, 'third');
    b.output('r3');
    expect(() => listLayers(b.build())).toThrow('the graph has a cycle: Add node "add" -> Relu node "second" -> Relu node "third" -> back to the first');
    const d = new OnnxBuilder('g');
    d.input('x', ['N', 3]);
    d.node('Relu', ['missing'], ['y'], {}, 'r');
    d.output('y');
    expect(() => listLayers(d.build())).toThrow('Relu node "r" reads "missing", which no node, initializer or graph input produces (a dangling input)');
  });
});
