// Canonical cluster ids: 0.. by decreasing size, ties by the first member, so that the same
// partition always gets the same ids whatever the algorithm's own label names.

/** Relabels a partition 0..k-1 by decreasing cluster size, ties by first member. */
export function canonicalLabels(labels: ArrayLike<number>): Int32Array {
  const n = labels.length;
  const first = new Map<number, number>();
  const count = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (!first.has(l)) first.set(l, i);
    count.set(l, (count.get(l) ?? 0) + 1);
  }
  const ids = [...first.keys()].sort((x, y) => count.get(y)! - count.get(x)! || first.get(x)! - first.get(y)!);
  const map = new Map(ids.map((l, i) => [l, i]));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = map.get(labels[i])!;
  return out;
}
