// Exact pairwise merge of two moment summaries (Chan, Golub & LeVeque 1979, "Updating formulae
// and a pairwise algorithm for computing sample variances"), in float64:
//   n = na + nb,  delta = mean_b - mean_a,
//   mean = mean_a + delta * nb / n,
//   M2 = M2_a + M2_b + delta delta' * na nb / n.
// Batches and worker slices are each centred on their own mean, so no sum of raw squares is ever
// formed and a layer with mean 1e4 and std 1 keeps its correlations.
import type { BatchMoments } from './contract.js';

/** Merges `b` into `a` in place and returns `a`. */
export function mergeMomentsInto(a: BatchMoments, b: BatchMoments): BatchMoments {
  if (a.d !== b.d) throw new Error(`cannot merge moments of ${a.d} and ${b.d} units`);
  if (b.n === 0) return a;
  if (a.n === 0) {
    a.n = b.n;
    a.mean.set(b.mean);
    a.m2.set(b.m2);
    return a;
  }
  const d = a.d;
  const n = a.n + b.n;
  const factor = (a.n * b.n) / n;
  const delta = new Float64Array(d);
  for (let i = 0; i < d; i++) delta[i] = b.mean[i] - a.mean[i];
  for (let i = 0; i < d; i++) {
    const row = i * d;
    // (delta_i delta_j) factor, not (delta_i factor) delta_j: the product commutes, so the
    // merged matrix stays exactly symmetric.
    for (let j = 0; j < d; j++) a.m2[row + j] += b.m2[row + j] + delta[i] * delta[j] * factor;
  }
  for (let i = 0; i < d; i++) a.mean[i] += (delta[i] * b.n) / n;
  a.n = n;
  return a;
}

export function emptyMoments(d: number): BatchMoments {
  return { n: 0, d, mean: new Float64Array(d), m2: new Float64Array(d * d) };
}
