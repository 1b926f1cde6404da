// Reference concat, transpose and pad (src/forward/reference/layout.ts): by hand, and against
// numpy.concatenate / transpose / pad (constant, reflect incl. pads longer than the axis, edge)
// in ONNX pads order (test/fixtures/forward/layout.json). Data movement is exact.
import { describe, expect, it } from 'vitest';
import { concat, type PadMode, pad, transpose } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface ConcatCase {
  name: string;
  inputs: FixtureTensor[];
  axis: number;
  y: FixtureTensor;
}
interface TransposeCase {
  name: string;
  x: FixtureTensor;
  perm: number[];
  y: FixtureTensor;
}
interface PadCase {
  name: string;
  x: FixtureTensor;
  pads: number[];
  mode: PadMode;
  value: number;
  y: FixtureTensor;
}
const fixtures = loadFixture<{ concat: ConcatCase[]; transpose: TransposeCase[]; pad: PadCase[] }>('layout');
const m23 = tt([2, 3], [1, 2, 3, 4, 5, 6]);

describe('reference concat', () => {
  it('joins along an axis, by hand', () => {
    expectClose(concat([m23, tt([2, 1], [7, 8])], 1), tt([2, 4], [1, 2, 3, 7, 4, 5, 6, 8]), 0);
    expectClose(concat([m23, tt([1, 3], [7, 8, 9])], -2), tt([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]), 0);
  });
  for (const c of fixtures.concat) {
    it(`matches numpy: ${c.name}`, () => expectClose(concat(c.inputs.map(tensor), c.axis), c.y, 0, c.name));
  }
  it('refuses inputs that differ outside the axis', () => {
    expect(() => concat([m23, tt([1, 2], [1, 2])], 0)).toThrow(/differ outside axis 0/);
    expect(() => concat([m23], 2)).toThrow(/axis 2 out of range/);
  });
});

describe('reference transpose', () => {
  it('permutes axes, by hand', () => {
    expectClose(transpose(m23, [1, 0]), tt([3, 2], [1, 4, 2, 5, 3, 6]), 0);
  });
  for (const c of fixtures.transpose) {
    it(`matches numpy: ${c.name}`, () => expectClose(transpose(tensor(c.x), c.perm), c.y, 0, c.name));
  }
  it('refuses a perm that is not a permutation', () => {
    expect(() => transpose(m23, [0, 0])).toThrow(/not a permutation/);
  });
});

describe('reference pad', () => {
  const r = tt([3], [1, 2, 3]);
  it('pads constant, reflect and edge, by hand', () => {
    expectClose(pad(r, [2, 1], 'constant', -1), tt([6], [-1, -1, 1, 2, 3, -1]), 0);
    expectClose(pad(r, [2, 2], 'reflect'), tt([7], [3, 2, 1, 2, 3, 2, 1]), 0);
    expectClose(pad(r, [2, 2], 'edge'), tt([7], [1, 1, 1, 2, 3, 3, 3]), 0);
    // ONNX order: begins of all axes, then ends: one row above, one column right.
    expectClose(pad(m23, [1, 0, 0, 1], 'constant', 0), tt([3, 4], [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0]), 0);
    // Negative pads crop.
    expectClose(pad(r, [-1, 0], 'constant'), tt([2], [2, 3]), 0);
  });
  for (const c of fixtures.pad) {
    it(`matches numpy: ${c.name}`, () => expectClose(pad(tensor(c.x), c.pads, c.mode, c.value), c.y, 0, c.name));
  }
  it('refuses pads of the wrong length', () => {
    expect(() => pad(m23, [1, 1], 'edge')).toThrow(/must be 4 integers/);
    expect(() => pad(tt([0], []), [1, 0], 'reflect')).toThrow(/cannot pad an empty axis/);
  });
});
