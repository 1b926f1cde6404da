// Method `hac`: many-to-many grouping of units by hierarchical agglomerative clustering of each
// pair's joint correlation matrix [[R_aa, R_ab], [R_ab', R_bb]] over live units (dead units have
// no correlation and are left out of every table).
//
// Average linkage (UPGMA) on the distance 1 - r (`--hac.distance signed`, the default: in [0, 2],
// anti-correlated units are farthest apart) or 1 - |r| (`abs`), by the nearest-neighbour chain
// algorithm in O(n^2) time and memory (src/align/cluster/hac.ts; scipy's linkage(method='average')).
// The dendrogram is cut into `--hac.k` clusters (scipy's fcluster(Z, k, 'maxclust') for distinct
// heights), else at the height `--hac.threshold` when it is > 0 (fcluster(Z, t, 'distance')),
// else into k clusters chosen by the same eigengap rule as `spectral`: the largest gap among
// k = 2..min(max-k, n / 2) in the spectrum of the normalised Laplacian of the affinity that
// matches the distance, squared as spectral's default (max(r, 0)^2 for 1 - r, r^2 for 1 - |r|).
//
// The eigengap rule costs the max-k + 1 smallest eigenvalues of the normalised Laplacian (as
// `spectral`: the full decomposition below 1,536 units, block Lanczos above, values only; 30 s at
// 4,096 units, 50 s at 8,192, 140 s at 16,384 with the linkage, on a loaded 2-core machine); a
// given k or threshold does not. The linkage itself takes about 11 s at 8,192 units and 35 s at
// 16,384 (half scipy's time), in 8 n^2 bytes (the joint matrix, overwritten by the distances:
// 2 GiB at 16,384; 6 GB at the peak with the eigengap rule's affinity and solver copy).
// A long step is announced in the log with its estimate before it starts.
//
// Tables (src/align/methods/clustering/tables.ts): clusters, cluster_sizes, cluster_order, and hac_k / hac_shared
// in the summary.
import { certainEigengapK, eigengapCount, laplacianSpectrum } from '../cluster/affinity.js';
import { linkageCostNote, spectrumCostNote } from '../cluster/cost.js';
import { averageLinkage, cutAtHeight, cutClusters } from '../cluster/hac.js';
import { jointCorrelation } from './clustering/joint.js';
import { choiceOption, integerOption, numberOption } from './option-values.js';
import { ClusterTables } from './clustering/tables.js';
import type { Method } from './types.js';
import { reportProgress } from './progress.js';
import { plural } from '../../util/plural.js';

const DISTANCES = ['signed', 'abs'] as const;

/** hac's options, parsed and checked: run() and checkOptions() read them the same way. */
function hacOptions(options: Record<string, unknown>) {
  return {
    kOption: integerOption(options, 'hac', 'k', 0),
    threshold: numberOption(options, 'hac', 'threshold', 'a number >= 0', (v) => v >= 0),
    maxK: integerOption(options, 'hac', 'max-k', 2),
    distance: choiceOption(options, 'hac', 'distance', DISTANCES),
  };
}

export const hacMethod: Method = {
  name: 'hac',
  description: 'hierarchical agglomerative clustering (average linkage on 1 - r) of the joint correlation matrix of each pair',
  options: {
    k: { type: 'number', default: 0, describe: 'clusters per pair; 0: --hac.threshold if set, else the eigengap rule (as spectral)' },
    threshold: { type: 'number', default: 0, describe: 'cut the dendrogram at this average distance (used when > 0 and k is 0)' },
    'max-k': { type: 'number', default: 32, describe: 'largest k the eigengap rule may choose (capped at half the live units)' },
    distance: { type: 'string', default: 'signed', describe: 'signed: 1 - r; abs: 1 - |r|' },
  },
  checkOptions: (options) => void hacOptions(options),
  async run(ctx) {
    const { kOption, threshold, maxK, distance } = hacOptions(ctx.options);
    const out = new ClusterTables('hac', ctx);
    for (const [done, pair] of ctx.pairs.entries()) {
      await reportProgress(ctx, done, ctx.pairs.length, 'pairs');
      const joint = jointCorrelation(ctx, pair[0], pair[1]);
      const label = `${ctx.layer} ${ctx.nets[pair[0]].name}/${ctx.nets[pair[1]].name}`;
      const n = joint.n;
      if (n === 0) {
        ctx.log(`${label}: no live units, nothing to cluster`);
        out.addEmpty(pair);
        continue;
      }
      let k = 0;
      if (kOption > 0) k = Math.min(kOption, n);
      else if (!(threshold > 0)) {
        const count = eigengapCount(n, maxK);
        const note = spectrumCostNote(label, n, count, `eigengap rule up to k = ${count - 1}`);
        if (note) ctx.log(note);
        // k from the values alone (as soon as the eigengap rule is certain of it); no eigenvectors.
        let chosen = 1;
        const vectors = (values: Float64Array, errors: Float64Array, final: boolean) => {
          const pick = certainEigengapK(values, errors, maxK, n, final);
          if (pick !== null) chosen = pick;
          return pick === null ? null : 0;
        };
        await laplacianSpectrum(joint.corr, n, distance === 'abs' ? 'square' : 'positive-square', { count, vectors });
        k = chosen;
      }
      const linkageNote = linkageCostNote(label, n);
      if (linkageNote) ctx.log(linkageNote);
      // Distances in place of the correlations (the joint matrix is ours).
      const dist = joint.corr;
      for (let i = 0; i < n * n; i++) dist[i] = Math.max(0, distance === 'abs' ? 1 - Math.abs(dist[i]) : 1 - dist[i]);
      const z = averageLinkage(dist, n);
      const labels = k > 0 ? cutClusters(z, k) : cutAtHeight(z, threshold);
      const canonical = out.add(pair, joint, labels);
      const found = canonical.reduce((m, l) => Math.max(m, l + 1), 0);
      ctx.log(`${label}: ${plural(n, 'live unit')} in ${plural(found, 'cluster')}${kOption > 0 ? '' : k > 0 ? ' (eigengap)' : ` (threshold ${threshold})`}`);
    }
    await reportProgress(ctx, ctx.pairs.length, ctx.pairs.length, 'pairs');
    return { tables: out.tables() };
  },
};
