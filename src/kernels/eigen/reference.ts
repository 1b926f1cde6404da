// The living definition of the symmetric eigensolver: cyclic Jacobi rotations (Golub & Van Loan,
// "Matrix Computations", 4th ed., sec. 8.5.2), float64. Slow (O(n^3) per sweep) but obviously
// right; faster versions are tested against it. The contract: ./contract.ts.
import type { SymmetricEigen } from './contract.js';

export function symmetricEigenReference(matrix: Float64Array, n: number, maxSweeps = 100): SymmetricEigen {
  if (matrix.length !== n * n) throw new Error(`matrix has ${matrix.length} entries, expected ${n} x ${n}`);
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(matrix[i])) throw new Error(`matrix has ${matrix[i]} at row ${Math.floor(i / n)}, column ${i % n}`);
  const a = Float64Array.from(matrix);
  // Symmetrize against rounding in the caller's matrix.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  scale = Math.sqrt(scale);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (Math.sqrt(off) <= 1e-15 * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = a[src * n + src];
    // Sign convention: the largest-magnitude component of each eigenvector is positive.
    let big = 0;
    for (let r = 0; r < n; r++) if (Math.abs(v[r * n + src]) > Math.abs(big)) big = v[r * n + src];
    const sign = big < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[r * n + k] = sign * v[r * n + src];
  });
  return { values, vectors };
}
