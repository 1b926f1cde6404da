// The clustering building blocks (src/align/cluster): average-linkage HAC by nearest-neighbour chain,
// k-means++ / Lloyd, the normalised-Laplacian spectrum, the spectral embedding and the eigengap
// rule, against scipy and scikit-learn (test/fixtures/cluster/ from
// scripts/fixtures/make_cluster_fixtures.py) and against a naive O(n^3) linkage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { affinityMatrix, certainEigengapK, eigengapCount, eigengapK, laplacianSpectrum, normaliseAffinity, PARTIAL_EIGEN_FROM, spectralEmbedding, usesPartialSolver } from '../../../src/align/cluster/affinity.js';
import { linkageCostNote, spectrumCostNote } from '../../../src/align/cluster/cost.js';
import { averageLinkage, cutAtHeight, cutClusters, type Linkage } from '../../../src/align/cluster/hac.js';
import { kmeans } from '../../../src/align/cluster/kmeans.js';
import { canonicalLabels } from '../../../src/align/cluster/labels.js';
import { seededNormal, seededUniform } from '../../../src/util/random.js';
import { readNpy } from '../../../src/inputs/npy/npy-read.js';

const FIX = 'test/fixtures/cluster';

interface SpectralCase {
  name: string;
  kind: 'spectral';
  affinity: 'square' | 'abs' | 'positive' | 'positive-square';
  n: number;
  k: number;
  max_k: number;
  truth: number[];
  labels: number[];
  laplacian: number[];
  eigengap_k: number;
}
interface HacCase {
  name: string;
  kind: 'hac';
  distance: 'signed' | 'abs';
  n: number;
  z: [number, number, number, number][];
  maxclust: { k: number; labels: number[] }[];
  distance_cuts: { t: number; labels: number[] }[];
}
const fixture: { cases: (SpectralCase | HacCase)[] } = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));
const spectralCases = fixture.cases.filter((c): c is SpectralCase => c.kind === 'spectral');
const hacCases = fixture.cases.filter((c): c is HacCase => c.kind === 'hac');

async function matrix(name: string): Promise<Float64Array> {
  return Float64Array.from((await readNpy(join(FIX, `${name}.npy`))).data);
}

/** Same partition whatever the label names. */
function expectSamePartition(a: ArrayLike<number>, b: ArrayLike<number>, label?: string): void {
  expect(Array.from(canonicalLabels(a)), label).toEqual(Array.from(canonicalLabels(b)));
}

function distances(corr: Float64Array, n: number, kind: 'signed' | 'abs'): Float64Array {
  const d = corr.map((r) => Math.max(0, kind === 'abs' ? 1 - Math.abs(r) : 1 - r));
  for (let i = 0; i < n; i++) d[i * n + i] = 0;
  return d;
}

/** Naive average linkage: O(n^3), the textbook definition (closest pair, lowest ids on ties). */
function naiveAverageLinkage(dist: Float64Array, n: number): { members: number[][]; height: number }[] {
  let clusters = Array.from({ length: n }, (_, i) => [i]);
  const out: { members: number[][]; height: number }[] = [];
  while (clusters.length > 1) {
    let best = Infinity;
    let bi = 0;
    let bj = 1;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        let s = 0;
        for (const p of clusters[i]) for (const q of clusters[j]) s += dist[p * n + q];
        const avg = s / (clusters[i].length * clusters[j].length);
        if (avg < best) {
          best = avg;
          bi = i;
          bj = j;
        }
      }
    }
    out.push({ members: [clusters[bi], clusters[bj]].map((c) => [...c].sort((x, y) => x - y)), height: best });
    const merged = [...clusters[bi], ...clusters[bj]];
    clusters = clusters.filter((_, k) => k !== bi && k !== bj);
    clusters.push(merged);
  }
  return out;
}

/** The points under each merge of a linkage. */
function mergeMembers(z: Linkage): number[][][] {
  const sets: number[][] = Array.from({ length: z.n }, (_, i) => [i]);
  const out: number[][][] = [];
  for (let m = 0; m < z.n - 1; m++) {
    const a = sets[z.left[m]];
    const b = sets[z.right[m]];
    out.push([a, b].map((c) => [...c].sort((x, y) => x - y)));
    sets.push([...a, ...b]);
  }
  return out;
}

describe('average-linkage HAC', () => {
  it.each(hacCases.map((c) => [c.name, c] as const))('matches scipy linkage and fcluster: %s', async (_name, c) => {
    const corr = await matrix(c.name);
    const z = averageLinkage(distances(corr, c.n, c.distance), c.n);
    expect(z.left.length).toBe(c.n - 1);
    for (let m = 0; m < c.n - 1; m++) {
      const [l, r, h, s] = c.z[m];
      expect([z.left[m], z.right[m], z.size[m]], `merge ${m}`).toEqual([l, r, s]);
      expect(Math.abs(z.height[m] - h), `merge ${m}`).toBeLessThan(1e-12);
    }
    for (const cut of c.maxclust) expectSamePartition(cutClusters(z, cut.k), cut.labels, `${c.name} k=${cut.k}`);
    for (const cut of c.distance_cuts) expectSamePartition(cutAtHeight(z, cut.t), cut.labels, `${c.name} t=${cut.t}`);
  });

  it('equals the naive O(n^3) definition on random matrices', () => {
    for (const n of [2, 3, 5, 9, 17, 30]) {
      const u = seededUniform(n);
      const d = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = u() * 2;
      const naive = naiveAverageLinkage(d, n);
      const z = averageLinkage(Float64Array.from(d), n);
      // Same merges (as point sets) at the same heights; the naive order is by time, ours by height.
      const ours = mergeMembers(z).map((members, m) => ({ members, height: z.height[m] }));
      const key = (x: { members: number[][] }) => JSON.stringify([...x.members].sort((p, q) => p[0] - q[0]));
      const byKey = new Map(naive.map((x) => [key(x), x.height]));
      expect(ours.length).toBe(naive.length);
      for (const m of ours) {
        expect(byKey.has(key(m)), `n=${n} ${key(m)}`).toBe(true);
        expect(Math.abs(byKey.get(key(m))! - m.height)).toBeLessThan(1e-12);
      }
      for (let m = 1; m < z.height.length; m++) expect(z.height[m]).toBeGreaterThanOrEqual(z.height[m - 1]);
    }
  });

  it('handles one point, two points, all-equal distances, and cuts at the extremes', () => {
    const one = averageLinkage(new Float64Array([0]), 1);
    expect(one.left.length).toBe(0);
    expect(Array.from(cutClusters(one, 3))).toEqual([0]);
    const two = averageLinkage(new Float64Array([0, 0.5, 0.5, 0]), 2);
    expect([two.left[0], two.right[0], two.height[0], two.size[0]]).toEqual([0, 1, 0.5, 2]);
    const n = 6;
    const flat = averageLinkage(new Float64Array(n * n).fill(1), n);
    expect(Array.from(flat.height)).toEqual(new Array(n - 1).fill(1));
    expect(new Set(cutClusters(flat, 3)).size).toBe(3);
    expect(Array.from(cutClusters(flat, 1))).toEqual(new Array(n).fill(0));
    expect(Array.from(cutClusters(flat, 99))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(cutAtHeight(flat, 0.5))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(cutAtHeight(flat, 1))).toEqual(new Array(n).fill(0));
    expect(() => averageLinkage(new Float64Array([0, NaN, NaN, 0]), 2)).toThrow('linkage: distance NaN at row 0, column 1');
  });
});

describe('spectral pieces', () => {
  it.each(spectralCases.map((c) => [c.name, c] as const))('match scikit-learn SpectralClustering: %s', async (_name, c) => {
    const corr = await matrix(c.name);
    // The planted truth is what sklearn found (the case is unambiguous).
    expectSamePartition(c.labels, c.truth);
    const spectrum = await laplacianSpectrum(corr, c.n, c.affinity);
    // Eigenvalues of scipy's normalised Laplacian.
    for (let k = 0; k < c.n; k++) expect(Math.abs(spectrum.laplacian[k] - c.laplacian[k])).toBeLessThan(1e-12);
    expect(eigengapK(spectrum.laplacian, c.max_k)).toBe(c.eigengap_k);
    expect(c.eigengap_k).toBe(c.k);
    const embedding = spectralEmbedding(spectrum, c.n, c.k);
    for (const seed of [0, 1, 2]) {
      const { labels } = kmeans(embedding, c.n, c.k, c.k, { seed });
      expectSamePartition(labels, c.labels, `${c.name} seed ${seed}`);
    }
  });

  it('block Lanczos gives scikit-learn\'s spectrum, eigengap k and partition too (spectral-square-203)', async () => {
    const c = spectralCases.find((x) => x.name === 'spectral-square-203')!;
    const corr = await matrix(c.name);
    const count = eigengapCount(c.n, c.max_k);
    const spectrum = await laplacianSpectrum(corr, c.n, c.affinity, { solver: 'partial', count, vectors: (values, errors, final) => certainEigengapK(values, errors, c.max_k, c.n, final) });
    expect(spectrum.solver).toBe('block Lanczos');
    expect(spectrum.vectorCount).toBe(c.eigengap_k);
    for (let k = 0; k < count; k++) {
      if (k < c.k) expect(Math.abs(spectrum.laplacian[k] - c.laplacian[k])).toBeLessThan(1e-10);
      else expect(Math.min(...c.laplacian.map((x) => Math.abs(x - spectrum.laplacian[k])))).toBeLessThan(spectrum.errors[k] + 1e-12);
    }
    const embedding = spectralEmbedding(spectrum, c.n, c.k);
    for (const seed of [0, 1, 2]) expectSamePartition(kmeans(embedding, c.n, c.k, c.k, { seed }).labels, c.labels, `${c.name} seed ${seed}`);
    expect(() => spectralEmbedding(spectrum, c.n, c.k + 1)).toThrow(`spectral embedding: ${c.k + 1} eigenvectors wanted, ${c.k} computed`);
  });

  it('chooses block Lanczos from PARTIAL_EIGEN_FROM units, with the full solver\'s eigenvalues and partition (n = 1601)', async () => {
    const n = PARTIAL_EIGEN_FROM + 65;
    // Units on 6 planted factors with random signs and noise: r^2 affinity, a clustered bulk.
    const normal = seededNormal(4);
    const group = Array.from({ length: n }, (_, i) => i % 6);
    const load = Array.from({ length: n }, () => (0.5 + 0.4 * Math.abs(normal())) * (normal() > 0 ? 1 : -1));
    const corr = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) corr[i * n + j] = corr[j * n + i] = (group[i] === group[j] ? load[i] * load[j] : 0) + 0.02 * normal();
      corr[i * n + i] = 1;
    }
    const count = eigengapCount(n, 32);
    expect(count).toBe(33);
    expect(usesPartialSolver(n, count)).toBe(true);
    const part = await laplacianSpectrum(corr, n, 'square', { count, vectors: (values, errors, final) => certainEigengapK(values, errors, 32, n, final) });
    const full = await laplacianSpectrum(corr, n, 'square', { solver: 'full' });
    expect([part.solver, full.solver]).toEqual(['block Lanczos', 'full']);
    const k = part.vectorCount;
    expect(k).toBe(6);
    expect(eigengapK(full.laplacian, 32, n)).toBe(6);
    // The structure's values to rounding; inside the noise bulk (the rule was certain of k before
    // they converged further) each value is within its bound of an eigenvalue and, by interlacing,
    // not below the eigenvalue of its rank.
    for (let i = 0; i < count; i++) {
      if (i < k) expect(Math.abs(part.laplacian[i] - full.laplacian[i])).toBeLessThan(1e-10);
      expect(part.laplacian[i]).toBeGreaterThan(full.laplacian[i] - 1e-12);
      const nearest = Math.min(...Array.from(full.laplacian, (x) => Math.abs(x - part.laplacian[i])));
      expect(nearest).toBeLessThan(part.errors[i] + 1e-12);
      expect(full.errors[i]).toBe(0);
    }
    const labels = kmeans(spectralEmbedding(part, n, k), n, k, k, { seed: 0 }).labels;
    expectSamePartition(labels, kmeans(spectralEmbedding(full, n, k), n, k, k, { seed: 0 }).labels);
    expectSamePartition(labels, group);
  });

  it('decides the eigengap k from bounded values only for a clear structure followed by a bulk', () => {
    // A structure of 3 values, a bulk of 5: the gap exceeds both widths even with the bounds.
    const values = [0, 0.1, 0.12, 0.9, 0.91, 0.915, 0.92, 0.93];
    expect(certainEigengapK(values, values.map(() => 0.01), 32, 8, false)).toBe(3);
    // Wider bounds, or a gap no larger than the bulk's width: no decision yet, unless final.
    expect(certainEigengapK(values, values.map(() => 0.4), 32, 8, false)).toBeNull();
    expect(certainEigengapK(values, values.map(() => 0.4), 32, 8, true)).toBe(3);
    const dense = [0, 0.3, 0.32, 0.4, 0.45, 0.5, 0.55, 0.6];
    expect(certainEigengapK(dense, dense.map(() => 1e-9), 32, 8, false)).toBeNull();
    expect(certainEigengapK(dense, dense.map(() => 1e-9), 32, 8, true)).toBe(3);
    // Exact values (the full solver): eigengapK, ties to the smallest k.
    expect(certainEigengapK([0, 0.1, 0.2, 0.3, 0.4, 0.5], new Array(6).fill(0), 32, 6, false)).toBe(2);
  });

  it('announces a long spectrum or linkage with an estimate, and not a short one', () => {
    expect(spectrumCostNote('fc6 a/b', 1000, 33, 'eigengap rule up to k = 32')).toBeNull();
    expect(spectrumCostNote('fc6 a/b', 8192, 33, 'eigengap rule up to k = 32')).toMatch(/^fc6 a\/b: 8192 live units, eigengap rule up to k = 32: the 33 smallest eigenpairs by block Lanczos of the normalised Laplacian, about \d+ s and 1\.0 GiB$/);
    expect(spectrumCostNote('fc6 a/b', 8192, 2000, 'k = 2000')).toMatch(/the full eigen-decomposition of the normalised Laplacian, about \d+ min and 3\.0 GiB$/);
    expect(linkageCostNote('fc6 a/b', 16384)).toMatch(/^fc6 a\/b: average linkage of 16384 live units, about \d+ s and 2\.0 GiB$/);
    expect(linkageCostNote('fc6 a/b', 2000)).toBeNull();
  });

  it('builds D^-1/2 W D^-1/2 with a zero diagonal and isolated rows', () => {
    const corr = new Float64Array([1, 0.5, -0.2, 0, 0.5, 1, 0.4, 0, -0.2, 0.4, 1, 0, 0, 0, 0, 1]);
    const w = affinityMatrix(corr, 4, 'positive');
    expect(Array.from(w)).toEqual([0, 0.5, 0, 0, 0.5, 0, 0.4, 0, 0, 0.4, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(affinityMatrix(corr, 4, 'abs')).slice(0, 4)).toEqual([0, 0.5, 0.2, 0]);
    const { m, sqrtDegree } = normaliseAffinity(w, 4);
    expect(Array.from(sqrtDegree)).toEqual([Math.sqrt(0.5), Math.sqrt(0.9), Math.sqrt(0.4), 1]);
    expect(m[1]).toBeCloseTo(0.5 / Math.sqrt(0.5 * 0.9), 15);
    expect(Array.from(m.slice(12))).toEqual([0, 0, 0, 0]);
  });

  it('chooses k by the largest eigengap within 2..min(max-k, n / 2)', () => {
    expect(eigengapK([0, 0, 0, 0.9, 1, 1.1], 32)).toBe(3);
    // A mirrored (bipartite-like) spectrum: the gap at k = n - 3 is out of range.
    expect(eigengapK([0, 0.01, 0.02, 0.9, 0.95, 1, 1, 1.05, 1.1, 1.98, 1.99, 2], 32)).toBe(3);
    expect(eigengapK([0, 0.5, 0.6, 0.7, 1.5, 1.6, 1.7, 1.8], 32)).toBe(4); // k = n / 2 is allowed
    expect(eigengapK([0, 0.5, 0.6, 0.7, 1.5, 1.6, 1.7, 1.8], 3)).toBe(2); // max-k 3: gaps 0.1, 0.1
    expect(eigengapK([0, 0, 1], 32)).toBe(1);
    expect(eigengapK([0, 1], 32)).toBe(1);
    expect(eigengapK([0], 32)).toBe(1);
    expect(eigengapK([0, 0.1, 0.2, 0.3, 0.4, 0.5], 32)).toBe(2); // equal gaps: the smallest k
  });
});

describe('k-means', () => {
  function blobs(centres: number[][], per: number, spread: number, seed: number): { x: Float64Array; truth: number[]; d: number } {
    const normal = seededNormal(seed);
    const d = centres[0].length;
    const rows: number[][] = [];
    const truth: number[] = [];
    centres.forEach((c, g) => {
      for (let i = 0; i < per; i++) {
        rows.push(c.map((v) => v + spread * normal()));
        truth.push(g);
      }
    });
    return { x: Float64Array.from(rows.flat()), truth, d };
  }

  it('recovers separated blobs, deterministically for a seed', () => {
    const { x, truth, d } = blobs([[0, 0, 0], [5, 0, 0], [0, 5, 0], [0, 0, 5]], 25, 0.5, 3);
    const n = truth.length;
    const r = kmeans(x, n, d, 4, { seed: 7 });
    expectSamePartition(r.labels, truth);
    expect(kmeans(x, n, d, 4, { seed: 7 })).toEqual(r);
    expect(r.inertia).toBeGreaterThan(0);
    const one = kmeans(x, n, d, 4, { seed: 7, nInit: 1 });
    expect(one.inertia).toBeGreaterThanOrEqual(r.inertia);
  });

  it('handles k = 1, k = n, k > n, duplicate points and no points', () => {
    const x = Float64Array.from([0, 0, 1, 1, 1, 1, 5, 5]);
    expect(Array.from(kmeans(x, 4, 2, 1).labels)).toEqual([0, 0, 0, 0]);
    const all = kmeans(x, 4, 2, 4, { seed: 1 });
    // Two identical points cannot be split: at most 3 distinct clusters, every point its own centre.
    expect(all.inertia).toBe(0);
    expect(new Set(all.labels).size).toBe(3);
    expect(all.labels[1]).toBe(all.labels[2]);
    expect(kmeans(x, 4, 2, 10, { seed: 1 }).labels.length).toBe(4);
    expect(kmeans(new Float64Array(0), 0, 2, 3).labels.length).toBe(0);
    expect(() => kmeans(x, 3, 2, 2)).toThrow('k-means: data has 8 entries, expected 3 x 2');
  });
});
