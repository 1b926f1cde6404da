// Hierarchical agglomerative clustering, average linkage (UPGMA), by the nearest-neighbour chain
// algorithm (Murtagh 1983; Muellner, "Modern hierarchical, agglomerative clustering algorithms",
// arXiv:1109.2378, 2011, fig. 4) as scipy.cluster.hierarchy.linkage(method='average') runs it:
// O(n^2) time, and O(n^2) memory because it works in the n x n distance matrix it is given
// (overwritten). The merges are returned sorted by height (stable), in scipy's linkage-matrix
// form, and cut into flat clusters as fcluster does.

export interface Linkage {
  /** Number of points. */
  n: number;
  /**
   * n - 1 merges sorted by height, scipy's Z: merge m joins clusters left[m] and right[m] (ids < n
   * are points, id n + j is the cluster made by merge j) at average distance height[m], making a
   * cluster of size[m] points. left < right.
   */
  left: Int32Array;
  right: Int32Array;
  height: Float64Array;
  size: Int32Array;
}

/**
 * Average-linkage HAC of n points from their distances: `dist` is n x n row-major, symmetric,
 * finite (the diagonal is ignored) and is overwritten.
 */
export function averageLinkage(dist: Float64Array, n: number): Linkage {
  if (dist.length !== n * n) throw new Error(`linkage: distance matrix has ${dist.length} entries, expected ${n} x ${n}`);
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(dist[i]) && i % (n + 1) !== 0) throw new Error(`linkage: distance ${dist[i]} at row ${Math.floor(i / n)}, column ${i % n}`);
  }
  const merges = Math.max(0, n - 1);
  // Slots: cluster `y` of a merge lives on in slot y; slot x is dropped (size 0).
  const size = new Int32Array(n).fill(1);
  const mx = new Int32Array(merges);
  const my = new Int32Array(merges);
  const mh = new Float64Array(merges);
  const ms = new Int32Array(merges);
  const chain = new Int32Array(n);
  let chainLength = 0;
  for (let k = 0; k < merges; k++) {
    if (chainLength === 0) {
      for (let i = 0; i < n; i++) {
        if (size[i] > 0) {
          chain[0] = i;
          chainLength = 1;
          break;
        }
      }
    }
    let x = 0;
    let y = 0;
    let current = Infinity;
    // Follow nearest neighbours until two are each other's (the previous element of the chain is
    // preferred on ties, so the chain cannot cycle).
    for (;;) {
      x = chain[chainLength - 1];
      const row = x * n;
      if (chainLength > 1) {
        y = chain[chainLength - 2];
        current = dist[row + y];
      } else current = Infinity;
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || i === x) continue;
        const d = dist[row + i];
        if (d < current) {
          current = d;
          y = i;
        }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength++] = y;
    }
    chainLength -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x];
    const ny = size[y];
    mx[k] = x;
    my[k] = y;
    mh[k] = current;
    ms[k] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    // Lance-Williams for average linkage: d(i, x u y) = (nx d(i, x) + ny d(i, y)) / (nx + ny).
    const rx = x * n;
    const ry = y * n;
    for (let i = 0; i < n; i++) {
      if (size[i] === 0 || i === y) continue;
      const d = (nx * dist[rx + i] + ny * dist[ry + i]) / (nx + ny);
      dist[ry + i] = d;
      dist[i * n + y] = d;
    }
  }
  // Sort by height (stable) and relabel slots as scipy's label(): union-find over slots.
  const order = Array.from({ length: merges }, (_, i) => i).sort((a, b) => mh[a] - mh[b] || a - b);
  const parent = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) parent[i] = i;
  const find = (v: number): number => {
    let r = v;
    while (parent[r] !== r) r = parent[r];
    while (parent[v] !== r) {
      const next = parent[v];
      parent[v] = r;
      v = next;
    }
    return r;
  };
  const left = new Int32Array(merges);
  const right = new Int32Array(merges);
  const height = new Float64Array(merges);
  const sizes = new Int32Array(merges);
  for (let m = 0; m < merges; m++) {
    const src = order[m];
    const a = find(mx[src]);
    const b = find(my[src]);
    left[m] = Math.min(a, b);
    right[m] = Math.max(a, b);
    height[m] = mh[src];
    sizes[m] = ms[src];
    const id = n + m;
    parent[a] = id;
    parent[b] = id;
  }
  return { n, left, right, height, size: sizes };
}

/** Flat clusters from the first `merges` merges: labels 0.. in order of each cluster's first point. */
function flatten(z: Linkage, merges: number): Int32Array {
  const n = z.n;
  const parent = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) parent[i] = i;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  for (let m = 0; m < merges; m++) {
    parent[find(z.left[m])] = n + m;
    parent[find(z.right[m])] = n + m;
  }
  const labels = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let id = ids.get(r);
    if (id === undefined) ids.set(r, (id = ids.size));
    labels[i] = id;
  }
  return labels;
}

/**
 * k flat clusters: the first n - k merges. This is scipy's fcluster(Z, k, 'maxclust') when the
 * heights are distinct and k < n - 1; scipy searches its threshold among the merge heights and can
 * return fewer clusters (with a tie at the cut, or for k = n - 1 or n), this cuts at exactly k.
 */
export function cutClusters(z: Linkage, k: number): Int32Array {
  const kk = Math.max(1, Math.min(z.n, Math.floor(k)));
  return flatten(z, Math.max(0, z.n - kk));
}

/** Flat clusters whose merges are at heights <= threshold (scipy's fcluster(Z, t, 'distance')). */
export function cutAtHeight(z: Linkage, threshold: number): Int32Array {
  let m = 0;
  while (m < z.n - 1 && z.height[m] <= threshold) m++;
  return flatten(z, m);
}
