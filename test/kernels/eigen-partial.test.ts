// The partial symmetric eigensolver (src/kernels/eigen/block-lanczos.ts: block Lanczos with full
// reorthogonalisation) against the full WASM solver, which test/kernels/eigen.test.ts checks
// against numpy: sizes that are not multiples of 4, a random matrix, known spectra with clusters,
// exactly repeated and near-degenerate eigenvalues (also straddling the last pair wanted), and the
// refusal when the basis limit comes first.
import { describe, expect, it } from 'vitest';
import { largestEigenpairs, symmetricEigenWasm } from '../../src/kernels/eigen/index.js';
import { XorShift32 } from '../../src/util/random.js';
import { fromSpectrum } from './eigen-spectra.js';
import { blockProduct, blockProductOf } from '../../src/kernels/eigen/block-product.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const g = new XorShift32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = 2 * g.draw() - 1;
  return a;
}

/** Q diag(lambda) Q' with Q the (orthogonal) eigenvectors of a seeded random symmetric matrix. */
async function withSpectrum(lambda: number[], seed: number): Promise<{ a: Float64Array; q: Float64Array }> {
  const n = lambda.length;
  const q = (await symmetricEigenWasm(randomSymmetric(n, seed), n)).vectors;
  const a = fromSpectrum(q, lambda);
  return { a, q };
}

/** max |P_Y - P_Q| entry for the projectors on columns [from, to) of Y (n x ly) and Q (n x lq). */
function projectorDistance(y: Float64Array, ly: number, q: Float64Array, lq: number, n: number, from: number, to: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let py = 0;
      let pq = 0;
      for (let c = from; c < to; c++) {
        py += y[i * ly + c] * y[j * ly + c];
        pq += q[i * lq + c] * q[j * lq + c];
      }
      worst = Math.max(worst, Math.abs(py - pq));
    }
  }
  return worst;
}

describe('block product (WASM SIMD against plain TypeScript)', () => {
  it.each([1, 2, 3, 5, 6, 7, 203])('agrees to rounding at n = %i (row tails of 1, 2, 3 entries)', async (n) => {
    const g = new XorShift32(n);
    const m = Float64Array.from({ length: n * n }, () => 2 * g.draw() - 1);
    const x = Float64Array.from({ length: n * 8 }, () => 2 * g.draw() - 1);
    const plain = new Float64Array(n * 8);
    blockProduct(m, n, x, 8, plain);
    const wasm = new Float64Array(n * 8);
    (await blockProductOf(m, n, 8))(x, 8, wasm);
    for (let i = 0; i < n * 8; i++) expect(Math.abs(wasm[i] - plain[i])).toBeLessThan(1e-13 * n);
    // The first column alone by the definition: sum_j m_ij x_j.
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += m[i * n + j] * x[j];
      expect(Math.abs(wasm[i] - s)).toBeLessThan(1e-13 * n);
    }
  });
});

describe('block Lanczos (largestEigenpairs)', () => {
  it.each([
    [203, 7, 4],
    [317, 13, 8],
  ])('matches the full solver on a random matrix: n = %i, count %i, block %i', async (n, count, blockSize) => {
    const a = randomSymmetric(n, 11 + n);
    const full = await symmetricEigenWasm(a, n);
    const part = await largestEigenpairs(a, n, count, { blockSize });
    const scale = Math.abs(full.values[0]);
    for (let k = 0; k < count; k++) {
      expect(Math.abs(part.values[k] - full.values[k])).toBeLessThan(1e-9 * scale);
      // Isolated eigenvalues: the same unit vector, with the same sign convention.
      for (let i = 0; i < n; i++) expect(Math.abs(part.vectors[i * count + k] - full.vectors[i * n + k])).toBeLessThan(1e-7);
      expect(part.residuals[k]).toBeLessThan(1e-9 * scale);
    }
  });

  it('finds clusters, exactly repeated and near-degenerate eigenvalues (known spectrum, n = 301)', async () => {
    const top = [1, 0.97, 0.95, 0.95, 0.95, 0.9 + 1e-9, 0.9, 0.8, 0.8 - 1e-13, 0.75, 0.7];
    const g = new XorShift32(5);
    const bulk = Array.from({ length: 301 - top.length }, () => 1.2 * g.draw() - 0.6);
    const lambda = [...top, ...bulk.sort((x, y) => y - x)];
    const n = lambda.length;
    const { a, q } = await withSpectrum(lambda, 9);
    const count = top.length;
    const part = await largestEigenpairs(a, n, count, { blockSize: 4 });
    for (let k = 0; k < count; k++) expect(Math.abs(part.values[k] - lambda[k])).toBeLessThan(1e-10);
    // Each group separated by a gap spans the same eigenspace (bases within a group are arbitrary).
    for (const [from, to] of [[0, 1], [1, 2], [2, 5], [5, 7], [7, 9], [9, 10], [10, 11]]) {
      expect(projectorDistance(part.vectors, count, q, n, n, from, to), `eigenvalues ${from}..${to - 1}`).toBeLessThan(1e-8);
    }
  });

  it('converges when the last pair wanted is nearly degenerate with the next (n = 258)', async () => {
    const g = new XorShift32(3);
    const top = [1, 0.9, 0.8, 0.8 - 1e-7];
    const lambda = [...top, ...Array.from({ length: 254 }, () => 1.4 * g.draw() - 0.7).sort((x, y) => y - x)];
    const n = lambda.length;
    const { a, q } = await withSpectrum(lambda, 4);
    const part = await largestEigenpairs(a, n, 3, { blockSize: 4 });
    for (let k = 0; k < 3; k++) expect(Math.abs(part.values[k] - lambda[k])).toBeLessThan(1e-10);
    expect(projectorDistance(part.vectors, 3, q, n, n, 0, 2)).toBeLessThan(1e-8);
    // The third vector lies in the span of the two nearly equal eigenvalues' eigenvectors.
    let inSpan = 0;
    for (const c of [2, 3]) {
      let dotq = 0;
      for (let i = 0; i < n; i++) dotq += part.vectors[i * 3 + 2] * q[i * n + c];
      inSpan += dotq * dotq;
    }
    expect(inSpan).toBeGreaterThan(1 - 1e-8);
  });

  it('refuses, naming the size and the residual, when the basis limit comes before convergence', async () => {
    const g = new XorShift32(8);
    // 40 eigenvalues in [0.99, 1]: hopeless within 24 basis vectors.
    const lambda = Array.from({ length: 211 }, (_, i) => (i < 40 ? 0.99 + 0.01 * g.draw() : 0.9 * g.draw()));
    const { a } = await withSpectrum(lambda, 2);
    await expect(largestEigenpairs(a, 211, 12, { blockSize: 4, maxDimension: 24 })).rejects.toThrow(/the 12 largest eigenvalues of a 211 x 211 matrix did not converge within a basis of 24 vectors \(largest residual/);
    await expect(largestEigenpairs(a, 211, 12, { blockSize: 6 })).rejects.toThrow('block size must be a positive multiple of 4, got 6');
    await expect(largestEigenpairs(a, 211, 0)).rejects.toThrow('count must be a positive integer, got 0');
    const bad = a.slice();
    bad[5] = NaN;
    await expect(largestEigenpairs(bad, 211, 3)).rejects.toThrow('matrix has NaN at row 0, column 5');
  });
});
