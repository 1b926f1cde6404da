// Method `spectral`: many-to-many grouping of units (the paper's spectral clustering of the
// correlation matrix) by spectral clustering of each pair's joint correlation matrix
// [[R_aa, R_ab], [R_ab', R_bb]] over live units (dead units have no correlation and are left out
// of every table). Cost, n = the pair's live units: below PARTIAL_EIGEN_FROM (1,536) units one full
// symmetric eigen-decomposition (WASM, O(n^3): about 0.75 s at n = 1024, 150 s at 4096); from
// there only the eigenpairs needed (k, or max-k + 1 values for the eigengap rule and then its k
// vectors) by block Lanczos (src/kernels/eigen/block-lanczos.ts: O(n^2) per Krylov vector; with
// k-means, 7 s at 4,096 units, 50 s at 8,192 (a pair of fc6 layers), 90 s at 16,384, on a loaded
// 2-core machine, about scipy's eigsh; memory 3 x 8 n^2 bytes: the joint matrix, the affinity and
// the solver's WASM copy, 6 GB at 16,384), then k-means in n x k. A pair whose spectrum will take
// more than about 10 s is announced in the log with the estimate before it starts.
//
// As sklearn's SpectralClustering(affinity='precomputed', assign_labels='kmeans'):
//   affinity   W = r^2 (`--spectral.affinity square`, the default), |r| (`abs`), max(r, 0)
//              (`positive`) or max(r, 0)^2 (`positive-square`); the diagonal is ignored. r^2 is
//              sign-blind like |r| (a unit and its negation carry the same information) and keeps
//              the sampling noise of unrelated pairs (|r| ~ 1/sqrt(samples)) from dominating the
//              degrees: see src/align/cluster/affinity.ts;
//   embedding  the eigenvectors of the k smallest eigenvalues of the normalised Laplacian
//              L = I - D^-1/2 W D^-1/2 (D the row sums of W), each row divided by sqrt(D_ii)
//              (sklearn's spectral_embedding, drop_first=False), from our eigensolvers;
//   labels     k-means with greedy k-means++ seeding, `--spectral.n-init` seedings (default 10,
//              the lowest inertia kept), seeded by `--spectral.seed`.
// k is `--spectral.k`, or when 0 (the default) the eigengap rule: the k in 2..min(max-k, n / 2)
// with the largest gap lambda_{k+1} - lambda_k between consecutive eigenvalues of L (n the live
// units of the pair; `--spectral.max-k` defaults to 32; fewer than 4 live units: one cluster).
//
// Tables (src/align/methods/clustering/tables.ts): clusters, cluster_sizes, cluster_order, and spectral_k /
// spectral_shared in the summary.
import { AFFINITY_KINDS, certainEigengapK, eigengapCount, laplacianSpectrum, spectralEmbedding, type AffinityKind } from '../cluster/affinity.js';
import { spectrumCostNote } from '../cluster/cost.js';
import { jointCorrelation } from './clustering/joint.js';
import { kmeans } from '../cluster/kmeans.js';
import { choiceOption, integerOption } from './option-values.js';
import { ClusterTables } from './clustering/tables.js';
import type { Method } from './types.js';
import { reportProgress } from './progress.js';
import { plural } from '../../util/plural.js';

/** spectral's options, parsed and checked: run() and checkOptions() read them the same way. */
function spectralOptions(options: Record<string, unknown>) {
  return {
    kOption: integerOption(options, 'spectral', 'k', 0),
    maxK: integerOption(options, 'spectral', 'max-k', 2),
    affinity: choiceOption<AffinityKind>(options, 'spectral', 'affinity', AFFINITY_KINDS),
    seed: integerOption(options, 'spectral', 'seed', 0),
    nInit: integerOption(options, 'spectral', 'n-init', 1),
  };
}

export const spectralMethod: Method = {
  name: 'spectral',
  description: 'spectral clustering of the joint correlation matrix of each pair (normalised Laplacian embedding, k-means++)',
  options: {
    k: { type: 'number', default: 0, describe: 'clusters per pair; 0: the largest eigengap of the normalised Laplacian among k = 2..max-k' },
    'max-k': { type: 'number', default: 32, describe: 'largest k the eigengap rule may choose (capped at half the live units)' },
    affinity: { type: 'string', default: 'square', describe: 'affinity from correlation r: square (r^2), abs (|r|), positive (max(r, 0)) or positive-square (max(r, 0)^2)' },
    seed: { type: 'number', default: 0, describe: 'seed of the k-means++ choices' },
    'n-init': { type: 'number', default: 10, describe: 'k-means++ seedings; the lowest inertia is kept' },
  },
  checkOptions: (options) => void spectralOptions(options),
  async run(ctx) {
    const { kOption, maxK, affinity, seed, nInit } = spectralOptions(ctx.options);
    const out = new ClusterTables('spectral', ctx);
    for (const [done, pair] of ctx.pairs.entries()) {
      await reportProgress(ctx, done, ctx.pairs.length, 'pairs');
      const joint = jointCorrelation(ctx, pair[0], pair[1]);
      const label = `${ctx.layer} ${ctx.nets[pair[0]].name}/${ctx.nets[pair[1]].name}`;
      if (joint.n === 0) {
        ctx.log(`${label}: no live units, nothing to cluster`);
        out.addEmpty(pair);
        continue;
      }
      const count = kOption > 0 ? Math.min(kOption, joint.n) : eigengapCount(joint.n, maxK);
      const note = spectrumCostNote(label, joint.n, count, kOption > 0 ? `k = ${count}` : `eigengap rule up to k = ${count - 1}`);
      if (note) ctx.log(note);
      const started = performance.now();
      // The eigengap rule picks k from the converged values; only k eigenvectors are then computed.
      const vectors = kOption > 0 ? count : (values: Float64Array, errors: Float64Array, final: boolean) => certainEigengapK(values, errors, maxK, joint.n, final);
      const spectrum = await laplacianSpectrum(joint.corr, joint.n, affinity, { count, vectors });
      if (note) ctx.log(`${label}: spectrum in ${((performance.now() - started) / 1000).toFixed(1)} s (${spectrum.solver}${spectrum.krylovDimension ? `, basis of ${spectrum.krylovDimension} vectors` : ''})`);
      const k = spectrum.vectorCount;
      const embedding = spectralEmbedding(spectrum, joint.n, k);
      const { labels } = kmeans(embedding, joint.n, k, k, { seed, nInit });
      out.add(pair, joint, labels);
      ctx.log(`${label}: ${plural(joint.n, 'live unit')} in ${plural(k, 'cluster')}${kOption > 0 ? '' : ' (eigengap)'}`);
    }
    await reportProgress(ctx, ctx.pairs.length, ctx.pairs.length, 'pairs');
    return { tables: out.tables() };
  },
};
