// Reference gemm and matmul (src/forward/reference/gemm.ts): hand-computed products, and numpy
// for every transA/transB combination, alpha/beta and C shape, and numpy.matmul with broadcast
// batch dimensions and 1-D operands (test/fixtures/forward/gemm.json).
import { describe, expect, it } from 'vitest';
import { type GemmParams, gemm, matmul, matmulOutputShape } from '../../src/forward/reference/index.js';
import { expectClose, type FixtureTensor, loadFixture, tensor, tt } from './reference-fixtures.js';

interface GemmCase extends GemmParams {
  name: string;
  a: FixtureTensor;
  b: FixtureTensor;
  c: FixtureTensor | null;
  y: FixtureTensor;
}
interface MatMulCase {
  name: string;
  a: FixtureTensor;
  b: FixtureTensor;
  y: FixtureTensor;
}
const fixtures = loadFixture<{ gemm: GemmCase[]; matmul: MatMulCase[] }>('gemm');
const plain: GemmParams = { alpha: 1, beta: 1, transA: false, transB: false };
const A = tt([2, 2], [1, 2, 3, 4]);
const B = tt([2, 2], [5, 6, 7, 8]);

describe('reference gemm', () => {
  it('multiplies, transposes, scales and adds a broadcast C, by hand', () => {
    expectClose(gemm(A, B, undefined, plain), tt([2, 2], [19, 22, 43, 50]), 0);
    // A^T B^T = (BA)^T: BA = [[23, 34], [31, 46]].
    expectClose(gemm(A, B, undefined, { ...plain, transA: true, transB: true }), tt([2, 2], [23, 31, 34, 46]), 0);
    // 2 * A B^T + 10 * C with C a column [1, 2]: A B^T = [[17, 23], [39, 53]].
    expectClose(gemm(A, B, tt([2, 1], [1, 2]), { ...plain, alpha: 2, beta: 10, transB: true }), tt([2, 2], [44, 56, 98, 126]), 0);
  });

  it('does not read C when beta is 0, as onnxruntime', () => {
    const y = gemm(A, B, tt([2], [Infinity, NaN]), { ...plain, beta: 0 });
    expectClose(y, tt([2, 2], [19, 22, 43, 50]), 0);
  });

  for (const c of fixtures.gemm) {
    it(`matches numpy: ${c.name}`, () => {
      expectClose(gemm(tensor(c.a), tensor(c.b), c.c ? tensor(c.c) : undefined, c), c.y, 1e-6, c.name);
    });
  }

  it('refuses mismatched operands', () => {
    expect(() => gemm(A, tt([3, 2], [1, 2, 3, 4, 5, 6]), undefined, plain)).toThrow(/op\(A\) is 2x2.*op\(B\) is 3x2/);
    expect(() => gemm(A, B, tt([3], [1, 2, 3]), plain)).toThrow(/gemm C: shape \[3\] does not broadcast to \[2, 2\]/);
    expect(() => gemm(tt([4], [1, 2, 3, 4]), B, undefined, plain)).toThrow(/must be 2-D/);
  });
});

describe('reference matmul', () => {
  it('follows numpy for 1-D operands, by hand', () => {
    expectClose(matmul(tt([3], [1, 2, 3]), tt([3], [4, 5, 6])), tt([], [32]), 0);
    expectClose(matmul(tt([2], [1, 2]), A), tt([2], [7, 10]), 0);
    expectClose(matmul(A, tt([2], [1, 2])), tt([2], [5, 11]), 0);
  });

  it('broadcasts batch dimensions, by hand', () => {
    // A batch of two 1x2 rows times one shared 2x2 matrix.
    const y = matmul(tt([2, 1, 2], [1, 0, 0, 1]), B);
    expectClose(y, tt([2, 1, 2], [5, 6, 7, 8]), 0);
  });

  for (const c of fixtures.matmul) {
    it(`matches numpy.matmul: ${c.name}`, () => {
      expectClose(matmul(tensor(c.a), tensor(c.b)), c.y, 1e-6, c.name);
      expect(matmulOutputShape(c.a.shape, c.b.shape)).toEqual(c.y.shape);
    });
  }

  it('refuses mismatched operands', () => {
    expect(() => matmul(tt([2, 3], [1, 2, 3, 4, 5, 6]), A)).toThrow(/3 columns.*2 rows/);
    expect(() => matmul(tt([2, 1, 2], [1, 2, 3, 4]), tt([3, 2, 2], new Array(12).fill(1)))).toThrow(/do not broadcast/);
    expect(() => matmul(tt([], [1]), A)).toThrow(/rank >= 1/);
  });
});
