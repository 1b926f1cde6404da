// Reference LRN and softmax (src/forward/reference/lrn.ts, softmax.ts): the ONNX LRN channel
// window by hand for odd and even sizes and against numpy (cumulative sums over channels), and
// softmax views against scipy.special.softmax with a logit of 1000 (test/fixtures/forward).
import { describe, expect, it } from 'vitest';
import { type LrnParams, lrn, softmax, type SoftmaxView } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface LrnCase extends LrnParams {
  name: string;
  x: FixtureTensor;
  y: FixtureTensor;
}
interface SoftmaxCase extends SoftmaxView {
  name: string;
  x: FixtureTensor;
  y: FixtureTensor;
}

describe('reference lrn', () => {
  const x = tt([1, 3, 1, 1], [1, 2, 3]);
  it('sums squares over [c - floor((size-1)/2), c + ceil((size-1)/2)], by hand', () => {
    // size 3 (alpha/size = 1, beta 1, bias 1): sums 1+4, 1+4+9, 4+9.
    expectClose(lrn(x, { size: 3, alpha: 3, beta: 1, bias: 1 }), tt([1, 3, 1, 1], [1 / 6, 2 / 15, 3 / 14]), 1e-7);
    // size 2: the window is [c, c + 1]: sums 1+4, 4+9, 9.
    expectClose(lrn(x, { size: 2, alpha: 2, beta: 1, bias: 1 }), tt([1, 3, 1, 1], [1 / 6, 2 / 14, 3 / 10]), 1e-7);
  });

  for (const c of loadFixture<LrnCase[]>('lrn')) {
    it(`matches numpy: ${c.name}`, () => {
      expectClose(lrn(tensor(c.x), c), c.y, 1e-6, c.name);
    });
  }

  it('refuses a size below 1 and a tensor without channels', () => {
    expect(() => lrn(x, { size: 0, alpha: 1, beta: 1, bias: 1 })).toThrow(/size must be integers >= 1/);
    expect(() => lrn(tt([3], [1, 2, 3]), { size: 1, alpha: 1, beta: 1, bias: 1 })).toThrow(/channel axis/);
  });
});

describe('reference softmax', () => {
  it('normalises along the middle axis of (outer, axis, inner), by hand', () => {
    // (1, 2, 2): columns [0, ln 3] and [ln 3, 0].
    const y = softmax(tt([1, 2, 2], [0, Math.log(3), Math.log(3), 0]), { outer: 1, axis: 2, inner: 2 });
    expectClose(y, tt([1, 2, 2], [0.25, 0.75, 0.75, 0.25]), 1e-7);
  });

  it('does not overflow on large logits', () => {
    const y = softmax(tt([3], [1000, 1000, -Infinity]), { outer: 1, axis: 3, inner: 1 });
    expectClose(y, tt([3], [0.5, 0.5, 0]), 0);
    // exp(-1000) underflows to 0: without the shift this would be 0 / 0.
    const z = softmax(tt([2], [-1000, -1001]), { outer: 1, axis: 2, inner: 1 });
    expectClose(z, tt([2], [1 / (1 + Math.exp(-1)), 1 / (1 + Math.E)]), 1e-7);
  });

  for (const c of loadFixture<SoftmaxCase[]>('softmax')) {
    it(`matches scipy: ${c.name}`, () => {
      expectClose(softmax(tensor(c.x), c), c.y, 1e-6, c.name);
    });
  }

  it('refuses a view that does not cover the tensor', () => {
    expect(() => softmax(tt([2, 3], [1, 2, 3, 4, 5, 6]), { outer: 2, axis: 2, inner: 1 })).toThrow(/view \(2, 2, 1\) does not cover/);
  });
});
