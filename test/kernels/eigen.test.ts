// Symmetric eigensolver (src/kernels/eigen: WASM divide and conquer, assembly/eigen.ts; cyclic
// Jacobi reference):
//   * both against known spectra A = Q diag(lambda) Q' with an exactly known orthogonal Q
//     (values and vectors), and with repeated eigenvalues (values, reconstruction A = V L V',
//     orthonormality, and each eigenspace's projector, since its basis is not unique);
//   * the WASM solver against the reference on sizes that are not multiples of 2 or 4, with the
//     divide-and-conquer leaf size forced small so that the merges (deflation, secular equation,
//     GEMMs) run even at small n;
//   * both against numpy.linalg.eigh (test/fixtures/eigen/numpy.json from
//     scripts/fixtures/make_eigen_fixtures.py: seeded random and tridiagonal matrices, the
//     Hilbert matrix);
//   * zero, diagonal, identity and scaled (1e-300, 1e300, subnormal) matrices, Wilkinson's W21+
//     (pairs of eigenvalues equal to 1e-14), a larger matrix, and every refusal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { symmetricEigen, symmetricEigenReference, symmetricEigenWasm, type SymmetricEigen } from '../../src/kernels/eigen/index.js';
import { XorShift32 } from '../../src/util/random.js';
import { fromSpectrum } from './eigen-spectra.js';

// ---- Generators (the fixture's, see make_eigen_fixtures.py) ----

function generate(kind: string, n: number, seed = 0): Float64Array {
  const a = new Float64Array(n * n);
  if (kind === 'hilbert') {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 1 / (i + j + 1);
    return a;
  }
  const g = new XorShift32(seed);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = 2 * g.draw() - 1;
  if (kind === 'tridiagonal') for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.abs(i - j) > 1) a[i * n + j] = 0;
  return a;
}

/** An orthogonal n x n matrix known exactly up to rounding: a product of 3 seeded Householder reflections. */
function knownOrthogonal(n: number, seed: number): Float64Array {
  const g = new XorShift32(seed);
  let q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < 3; r++) {
    const v = Array.from({ length: n }, () => 2 * g.draw() - 1);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // q <- q (I - 2 v v' / v'v)
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * v[k];
      for (let j = 0; j < n; j++) next[i * n + j] = q[i * n + j] - (2 * dot * v[j]) / vv;
    }
    q = next;
  }
  return q;
}


/** Columns signed as the contract: the largest-magnitude component (the first such) positive. */
function signColumns(v: Float64Array, n: number): Float64Array {
  const out = Float64Array.from(v);
  for (let k = 0; k < n; k++) {
    let big = 0;
    for (let r = 0; r < n; r++) if (Math.abs(v[r * n + k]) > Math.abs(big)) big = v[r * n + k];
    if (big < 0) for (let r = 0; r < n; r++) out[r * n + k] = -v[r * n + k];
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |V L V' - A| and max |V'V - I|. */
function reconstruction(a: Float64Array, n: number, r: SymmetricEigen): { residual: number; orthogonality: number } {
  const { values, vectors: v } = r;
  let residual = 0;
  let orthogonality = 0;
  const vt = new Float64Array(n * n); // vt[k][i] = v[i][k]
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vt[k * n + i] = v[i * n + k];
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) row[k] = v[i * n + k] * values[k];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += row[k] * v[j * n + k];
      residual = Math.max(residual, Math.abs(s - a[i * n + j]));
      let o = 0;
      for (let k = 0; k < n; k++) o += vt[i * n + k] * vt[j * n + k];
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

function checkContract(r: SymmetricEigen, n: number): void {
  expect(r.values.length).toBe(n);
  expect(r.vectors.length).toBe(n * n);
  for (let k = 1; k < n; k++) expect(r.values[k]).toBeLessThanOrEqual(r.values[k - 1]);
  for (let k = 0; k < n; k++) {
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(r.vectors[i * n + k]) > Math.abs(big)) big = r.vectors[i * n + k];
    expect(big).toBeGreaterThan(0);
  }
}

type Solver = (a: Float64Array, n: number) => Promise<SymmetricEigen>;
const SOLVERS: [string, Solver][] = [
  ['wasm', (a, n) => symmetricEigenWasm(a, n)],
  ['wasm, leaf 2', (a, n) => symmetricEigenWasm(a, n, { leafSize: 2 })],
  ['reference', async (a, n) => symmetricEigenReference(a, n)],
];

describe.each(SOLVERS)('%s', (_name, solve) => {
  it('finds a known spectrum and its eigenvectors (Q diag(lambda) Q\')', async () => {
    for (const n of [1, 2, 3, 5, 17, 40]) {
      const q = knownOrthogonal(n, 100 + n);
      // Distinct, descending, of both signs, gaps 0.37 (column k of Q belongs to lambda[k]).
      const lambda = Array.from({ length: n }, (_, k) => 3 - 0.37 * k);
      const a = fromSpectrum(q, lambda);
      const r = await solve(a, n);
      checkContract(r, n);
      expect(maxAbsDiff(r.values, lambda)).toBeLessThan(1e-13 * n * maxAbs(lambda));
      expect(maxAbsDiff(r.vectors, signColumns(q, n))).toBeLessThan(1e-12 * n);
    }
  });

  it('handles repeated eigenvalues: values, A = V L V\', orthonormality, eigenspace projectors', async () => {
    for (const n of [6, 17, 45]) {
      const q = knownOrthogonal(n, 7 * n);
      // Multiplicities 3, 2, 1, ... of 2.5, -1, 0.5 and then distinct ones.
      const lambda = Array.from({ length: n }, (_, k) => (k < 3 ? 2.5 : k < 5 ? -1 : k === 5 ? 0.5 : 1 + k * 0.01 + (k % 2) * 0.003));
      const sorted = [...lambda].sort((x, y) => y - x);
      const a = fromSpectrum(q, lambda);
      const r = await solve(a, n);
      checkContract(r, n);
      expect(maxAbsDiff(r.values, sorted)).toBeLessThan(1e-13 * n * 2.5);
      const { residual, orthogonality } = reconstruction(a, n, r);
      expect(residual).toBeLessThan(1e-13 * n);
      expect(orthogonality).toBeLessThan(1e-13 * n);
      // The projector onto the eigenspace of 2.5 (3 dims) and of -1 (2 dims) is Q_S Q_S'.
      for (const value of [2.5, -1]) {
        const ours = [...r.values.keys()].filter((k) => Math.abs(r.values[k] - value) < 1e-9);
        const known = lambda.map((x, k) => [x, k]).filter(([x]) => x === value).map(([, k]) => k);
        expect(ours.length).toBe(known.length);
        let err = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let p = 0;
            let pq = 0;
            for (const k of ours) p += r.vectors[i * n + k] * r.vectors[j * n + k];
            for (const k of known) pq += q[i * n + k] * q[j * n + k];
            err = Math.max(err, Math.abs(p - pq));
          }
        }
        expect(err).toBeLessThan(1e-11);
      }
    }
  });

  it('returns identity vectors for zero, identity and diagonal-with-ties matrices', async () => {
    for (const n of [1, 2, 5, 17]) {
      for (const scale of [0, 1]) {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) a[i * n + i] = scale;
        const r = await solve(a, n);
        checkContract(r, n);
        expect(Array.from(r.values)).toEqual(new Array(n).fill(scale));
        const { residual, orthogonality } = reconstruction(a, n, r);
        expect(residual).toBeLessThan(1e-15);
        expect(orthogonality).toBeLessThan(1e-15);
        if (scale === 0) expect(maxAbsDiff(r.vectors, signColumns(fromSpectrum(new Float64Array(n * n).map((_, i) => (i % (n + 1) === 0 ? 1 : 0)), new Array(n).fill(1)), n))).toBe(0);
      }
      // Diagonal with ties: 1, 3, 1, 3, 2, ...
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = [1, 3, 2][i % 3];
      const r = await solve(a, n);
      checkContract(r, n);
      expect(Array.from(r.values)).toEqual(Array.from({ length: n }, (_, i) => [1, 3, 2][i % 3]).sort((x, y) => y - x));
      const { residual, orthogonality } = reconstruction(a, n, r);
      expect(residual).toBeLessThan(1e-14);
      expect(orthogonality).toBeLessThan(1e-14);
    }
  });

  it('agrees with numpy.linalg.eigh (random, tridiagonal, Hilbert)', async () => {
    const fixture = JSON.parse(readFileSync(join('test/fixtures/eigen', 'numpy.json'), 'utf8'));
    for (const c of fixture.cases as { name: string; kind: string; n: number; seed?: number; values: number[]; vectors?: number[]; min_gap: number }[]) {
      if (_name === 'reference' && c.n > 140) continue; // Jacobi is slow; the WASM solver covers them
      const a = generate(c.kind, c.n, c.seed);
      const r = await solve(a, c.n);
      checkContract(r, c.n);
      const scale = maxAbs(c.values);
      expect(maxAbsDiff(r.values, c.values), c.name).toBeLessThan(1e-14 * c.n * scale + 1e-15);
      if (c.vectors) {
        // Eigenvector error ~ eps ||A|| / gap.
        const tol = (1e-13 * c.n * scale) / Math.min(c.min_gap, 1);
        expect(maxAbsDiff(r.vectors, c.vectors), c.name).toBeLessThan(tol);
      }
      const { residual, orthogonality } = reconstruction(a, c.n, r);
      expect(residual, c.name).toBeLessThan(1e-14 * c.n * scale + 1e-15);
      expect(orthogonality, c.name).toBeLessThan(1e-14 * c.n);
    }
  });

  it('refuses NaN and infinities naming the row and column, and a wrong length', async () => {
    const a = generate('uniform', 5, 3);
    a[2 * 5 + 4] = NaN;
    await expect(solve(a, 5)).rejects.toThrow('matrix has NaN at row 2, column 4');
    const b = generate('uniform', 5, 3);
    b[3 * 5 + 0] = -Infinity;
    await expect(solve(b, 5)).rejects.toThrow('matrix has -Infinity at row 3, column 0');
    await expect(solve(new Float64Array(8), 3)).rejects.toThrow('matrix has 8 entries, expected 3 x 3');
  });
});

describe('WASM solver', () => {
  it('matches the reference on sizes that are not multiples of 2 or 4, whatever the leaf size', async () => {
    for (const n of [1, 2, 3, 5, 7, 17, 33, 65, 101]) {
      for (const kind of ['uniform', 'tridiagonal']) {
        const a = generate(kind, n, 1000 + n);
        const ref = symmetricEigenReference(a, n);
        let minGap = Infinity;
        for (let k = 1; k < n; k++) minGap = Math.min(minGap, ref.values[k - 1] - ref.values[k]);
        const scale = Math.max(maxAbs(ref.values), 1e-300);
        for (const leafSize of [1, 2, 3, 32]) {
          const r = await symmetricEigenWasm(a, n, { leafSize });
          const label = `${kind} n=${n} leaf=${leafSize}`;
          checkContract(r, n);
          expect(maxAbsDiff(r.values, ref.values), label).toBeLessThan(1e-14 * n * scale + 1e-15);
          expect(maxAbsDiff(r.vectors, ref.vectors), label).toBeLessThan((1e-13 * n * scale) / Math.min(minGap, 1));
        }
      }
    }
  });

  it('symmetrises its input as the reference does', async () => {
    const n = 9;
    const a = generate('uniform', n, 77);
    const g = new XorShift32(5);
    for (let i = 0; i < n * n; i++) a[i] += 1e-3 * (g.draw() - 0.5);
    const ref = symmetricEigenReference(a, n);
    const r = await symmetricEigenWasm(a, n);
    expect(maxAbsDiff(r.values, ref.values)).toBeLessThan(1e-13);
    expect(maxAbsDiff(r.vectors, ref.vectors)).toBeLessThan(1e-11);
  });

  it('solves Wilkinson\'s W21+ (pairs of eigenvalues 1e-14 apart: deflation by rotation)', async () => {
    for (const m of [10, 20]) {
      const n = 2 * m + 1;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = Math.abs(m - i);
        if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = 1;
      }
      const ref = symmetricEigenReference(a, n);
      for (const leafSize of [1, 2, 5, 32]) {
        const r = await symmetricEigenWasm(a, n, { leafSize });
        checkContract(r, n);
        expect(maxAbsDiff(r.values, ref.values)).toBeLessThan(1e-13 * n);
        const { residual, orthogonality } = reconstruction(a, n, r);
        expect(residual).toBeLessThan(1e-13 * n);
        expect(orthogonality).toBeLessThan(1e-13 * n);
      }
    }
  });

  it('solves glued Wilkinson matrices, a graded spectrum and the 1-2-1 matrix (known eigenvalues)', async () => {
    // 8 copies of W21+ glued by 1e-8: clusters of nearly equal eigenvalues across blocks.
    const m = 10;
    const bs = 2 * m + 1;
    const n = 8 * bs;
    const glued = new Float64Array(n * n);
    for (let g = 0; g < n; g++) {
      const i = g % bs;
      glued[g * n + g] = Math.abs(m - i);
      if (g + 1 < n) glued[g * n + g + 1] = glued[(g + 1) * n + g] = i + 1 < bs ? 1 : 1e-8;
    }
    // Eigenvalues 10^(-k/10), k = 0..59, in a random basis.
    const q = knownOrthogonal(60, 3);
    const graded = fromSpectrum(q, Array.from({ length: 60 }, (_, k) => 10 ** (-k / 10)));
    for (const [a, size] of [[glued, n], [graded, 60]] as const) {
      for (const leafSize of [3, 32]) {
        const r = await symmetricEigenWasm(a, size, { leafSize });
        checkContract(r, size);
        const { residual, orthogonality } = reconstruction(a, size, r);
        expect(residual).toBeLessThan(1e-14 * size * maxAbs(r.values));
        expect(orthogonality).toBeLessThan(1e-14 * size);
      }
    }
    // tridiag(-1, 2, -1): lambda_k = 2 - 2 cos(k pi / (n + 1)).
    const t = 300;
    const a = new Float64Array(t * t);
    for (let i = 0; i < t; i++) {
      a[i * t + i] = 2;
      if (i + 1 < t) a[i * t + i + 1] = a[(i + 1) * t + i] = -1;
    }
    const r = await symmetricEigenWasm(a, t, { leafSize: 5 });
    const exact = Array.from({ length: t }, (_, k) => 2 - 2 * Math.cos(((t - k) * Math.PI) / (t + 1)));
    expect(maxAbsDiff(r.values, exact)).toBeLessThan(1e-13);
  });

  it('is exact under scaling by powers of two, down to subnormal and up to 1e300 entries', async () => {
    const n = 23;
    const a = generate('uniform', n, 9);
    const base = await symmetricEigenWasm(a, n);
    for (const f of [2 ** -1000, 2 ** -500, 2 ** 500, 2 ** 990]) {
      const r = await symmetricEigenWasm(a.map((x) => x * f), n);
      expect(Array.from(r.values)).toEqual(Array.from(base.values, (x) => x * f));
      expect(maxAbsDiff(r.vectors, base.vectors)).toBe(0);
    }
    // Subnormal entries (2^-1060 ~ 1e-319) keep only a few digits: agreement to those digits.
    const tiny = 2 ** -1060;
    const r = await symmetricEigenWasm(a.map((x) => x * tiny), n);
    for (let k = 0; k < n; k++) expect(Math.abs(r.values[k] / tiny - base.values[k])).toBeLessThan(1e-3);
    expect(maxAbsDiff(r.vectors, base.vectors)).toBeLessThan(1e-2);
    // 1e-300 and 1e300 (not powers of two): relative agreement.
    for (const f of [1e-300, 1e300]) {
      const r = await symmetricEigenWasm(a.map((x) => x * f), n);
      for (let k = 0; k < n; k++) expect(Math.abs(r.values[k] / f - base.values[k])).toBeLessThan(1e-13);
      expect(maxAbsDiff(r.vectors, base.vectors)).toBeLessThan(1e-11);
    }
  });

  it('keeps residual and orthogonality at the rounding level at n = 600 (several merge levels)', async () => {
    const n = 600;
    const a = generate('uniform', n, 600);
    const r = await symmetricEigen(a, n);
    checkContract(r, n);
    const { residual, orthogonality } = reconstruction(a, n, r);
    expect(residual).toBeLessThan(1e-12 * maxAbs(r.values));
    expect(orthogonality).toBeLessThan(1e-12);
  });

  it('handles an empty matrix and a matrix with one live block (exact zero coupling)', async () => {
    expect(await symmetricEigen(new Float64Array(0), 0)).toEqual({ values: new Float64Array(0), vectors: new Float64Array(0) });
    // Block diagonal: the tridiagonal splits exactly, so a merge sees rho = 0.
    const n = 70;
    const a = new Float64Array(n * n);
    const b = generate('uniform', 35, 4);
    for (let i = 0; i < 35; i++) for (let j = 0; j < 35; j++) a[i * n + j] = b[i * 35 + j];
    const r = await symmetricEigen(a, n);
    checkContract(r, n);
    const { residual, orthogonality } = reconstruction(a, n, r);
    expect(residual).toBeLessThan(1e-13 * n);
    expect(orthogonality).toBeLessThan(1e-13 * n);
    expect(r.values.filter((x) => Math.abs(x) < 1e-12).length).toBe(35);
  });
});
