#!/usr/bin/env python3
"""The study benchmark's "Python way" (issue 15; run by bench/study-python.ts, not by hand).

What a Python user would do today with the ReLU activations that onnxruntime wrote as .npy files
(ACTS/<net>/<layer>.npy, (N, C, H, W) for conv layers, (N, D) for fc layers):

  moments      float64 joint mean and covariance of every net's units, in chunks of samples
               (a conv unit's sample is one position of one image), shifted by the first chunk's
               mean; numpy (its BLAS on every core)
  correlation  Pearson r between the live units of every pair of nets (dead: std <= max(2^-126,
               1e-6 |mean|), the rule convergent applies to float32 activations)
  semi         mean over net a's live units of the largest r with net b's
  bipartite    scipy.optimize.linear_sum_assignment (maximize) on r: mean matched r
  mi           mutual information (nats, plug-in) from 2-D histograms of every pair of units with
               convergent's default bins: a zero bin (values <= 0) and bins-1 equal-mass bins of
               the positive values (edges at numpy quantiles), counted as one-hot matrix products;
               then linear_sum_assignment on the MI matrix: mean matched MI
  sparse-prediction  sklearn.linear_model.lasso_path per target (standardized units, Gram and X'y
               precomputed once: the stage "sparse-prediction inputs", which grows with N; then
               coordinate descent at scikit-learn's default tol 1e-4, max_iter 10000) predicting
               every live unit of b from all live units of a, both ways; mean 1 - R^2 at each
               alpha of convergent's path but 0 (the dense map)
  spectral     r^2 affinity (zero diagonal), normalised Laplacian, scipy.linalg.eigh for the
               max_k + 1 smallest eigenvalues, k by the largest eigengap in 2..max_k (convergent's
               rule), sklearn KMeans (n_init 10) on sklearn's spectral embedding rows
  hac          scipy.cluster.hierarchy.linkage (average, on 1 - r), cut into k clusters, k by the
               eigengap rule on the affinity max(r, 0)^2 (convergent's default for 1 - r)
  linear-cka   ||C_ab||_F^2 / (||C_aa||_F ||C_bb||_F) over the live units

Every stage is timed on its own, with its peak resident memory (VmHWM, reset per stage through
/proc/self/clear_refs on Linux). A stage past --stage-budget seconds is stopped (SIGALRM, between
two targets or blocks) and its whole time estimated from the share it had done. Prints one JSON object on stdout: stages, numbers (per layer the
mean over pairs of nets), notes.
"""
import argparse
import json
import os
import signal
import sys
import time
import traceback

import numpy as np
import scipy
import scipy.linalg
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import squareform

CHUNK_VALUES = 1 << 22  # float64 values per moment chunk (32 MiB)
PROGRESS = [0, 0]  # [done, total] of the running part of a stage, where it can say (mi blocks, LASSO targets)
PART = [0, 1]  # [index, count] of that part: a stage's pairs of nets (and directions) are its parts


class OverBudget(Exception):
    pass


def on_alarm(signum, frame):
    raise OverBudget()


def progress(done, total):
    PROGRESS[0], PROGRESS[1] = done, total


def part(index, count):
    PART[0], PART[1] = index, count
    progress(0, 0)


def share_done():
    within = PROGRESS[0] / PROGRESS[1] if PROGRESS[1] else 0
    return (PART[0] + within) / PART[1]


def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass


def peak_mib():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stages:
    def __init__(self, budget):
        self.budget = budget
        self.stages = []
        self.numbers = []
        self.notes = []
        self.totals = {}

    def run(self, name, scales, fn, accumulate=False):
        reset_peak()
        part(0, 1)
        start = time.perf_counter()
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(self.budget)
        try:
            result = fn()
        except OverBudget:
            elapsed = time.perf_counter() - start
            share = share_done()
            why = f'stopped after {elapsed:.0f} s (--stage-budget) at {100 * share:.1f}% of its progress'
            self.stages.append({'stage': name, 'seconds': elapsed / share if share > 0 else None, 'peakMiB': peak_mib(), 'scales': scales,
                                'estimated': share > 0, 'error': why + ('; the whole estimated from that share' if share > 0 else '')})
            return None
        except Exception as e:  # a method that fails is reported, the others still run
            self.stages.append({'stage': name, 'seconds': None, 'peakMiB': None, 'scales': scales, 'error': f'{type(e).__name__}: {e}'})
            self.notes.append(f'{name}: {traceback.format_exc(limit=2).strip().splitlines()[-1]}')
            return None
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - start
        peak = peak_mib()
        if accumulate and name in self.totals:
            s = self.totals[name]
            s['seconds'] += seconds
            s['peakMiB'] = max(s['peakMiB'], peak)
        else:
            s = {'stage': name, 'seconds': seconds, 'peakMiB': peak, 'scales': scales}
            self.stages.append(s)
            self.totals[name] = s
        return result

    def number(self, layer, metric, values):
        values = [v for v in values if v is not None and np.isfinite(v)]
        self.numbers.append({'layer': layer, 'metric': metric, 'value': float(np.mean(values)) if values else None})


def open_layer(acts, net, layer):
    return np.load(os.path.join(acts, net, f'{layer}.npy'), mmap_mode='r')


def samples_of(block):
    """(n, C, H, W) or (n, D) float32 items -> (samples, units) float64."""
    if block.ndim == 4:
        n, c, h, w = block.shape
        return np.ascontiguousarray(block.transpose(0, 2, 3, 1)).reshape(n * h * w, c).astype(np.float64)
    return np.asarray(block, dtype=np.float64)


def joint_moments(arrays):
    units = [a.shape[1] for a in arrays]
    d = sum(units)
    per_item = int(np.prod(arrays[0].shape[2:])) if arrays[0].ndim == 4 else 1
    items = arrays[0].shape[0]
    step = max(1, CHUNK_VALUES // (d * per_item))
    shift = None
    total = np.zeros(d)
    m2 = np.zeros((d, d))
    n = 0
    for start in range(0, items, step):
        x = np.hstack([samples_of(a[start:start + step]) for a in arrays])
        if shift is None:
            shift = x.mean(axis=0)
        x -= shift
        total += x.sum(axis=0)
        m2 += x.T @ x
        n += x.shape[0]
    mean_shifted = total / n
    cov = m2 / n - np.outer(mean_shifted, mean_shifted)
    return shift + mean_shifted, cov, n, units


def live_units(mean, cov, offset, count):
    std = np.sqrt(np.maximum(np.diag(cov)[offset:offset + count], 0))
    m = mean[offset:offset + count]
    return np.nonzero(std > np.maximum(2.0 ** -126, 1e-6 * np.abs(m)))[0]


def eigengap_k(r, max_k_cap, positive=False):
    """convergent's rule: affinity r^2 (spectral) or max(r, 0)^2 (hac on 1 - r), zero diagonal."""
    a = np.maximum(r, 0) ** 2 if positive else r * r
    np.fill_diagonal(a, 0)
    deg = a.sum(axis=1)
    dinv = 1 / np.sqrt(np.where(deg > 0, deg, 1))
    lap = np.eye(len(a)) - dinv[:, None] * a * dinv[None, :]
    max_k = max(2, min(max_k_cap, len(a) // 2))
    values, vectors = scipy.linalg.eigh(lap, subset_by_index=[0, max_k])
    gaps = np.diff(values)  # gaps[k-1] = lambda_k - lambda_{k-1}: the gap after the k smallest
    k = 2 + int(np.argmax(gaps[1:max_k]))
    return k, vectors * dinv[:, None]  # sklearn's spectral_embedding rows


def mi_matrix(codes_a, codes_b, bins):
    """Plug-in MI (nats) of every unit of a with every unit of b from their bin codes (samples x units)."""
    s, ca = codes_a.shape
    cb = codes_b.shape[1]
    out = np.empty((ca, cb))
    progress(0, ca)
    block = max(1, min(ca, (1 << 27) // (cb * bins * bins * 8)))  # counts of one block within ~128 MiB
    rows = max(1, (1 << 25) // ((block + cb) * bins * 4))  # one-hot chunk of samples within ~32 MiB
    eye = np.eye(bins, dtype=np.float32)
    for a0 in range(0, ca, block):
        a1 = min(ca, a0 + block)
        counts = np.zeros(((a1 - a0) * bins, cb * bins))
        for s0 in range(0, s, rows):
            oa = eye[codes_a[s0:s0 + rows, a0:a1]].reshape(-1, (a1 - a0) * bins)
            ob = eye[codes_b[s0:s0 + rows]].reshape(-1, cb * bins)
            counts += oa.T @ ob
        p = counts.reshape(a1 - a0, bins, cb, bins) / s
        pa = p.sum(axis=3, keepdims=True)
        pb = p.sum(axis=1, keepdims=True)
        with np.errstate(divide='ignore', invalid='ignore'):
            terms = np.where(p > 0, p * np.log(p / (pa * pb)), 0.0)
        out[a0:a1] = terms.sum(axis=(1, 3))
        progress(a1, ca)
    return out


def bin_codes(array, bins):
    x = samples_of(array[:]).astype(np.float32)
    codes = np.zeros(x.shape, dtype=np.uint8)
    for u in range(x.shape[1]):
        v = x[:, u]
        positive = v[v > 0]
        if positive.size == 0:
            continue
        edges = np.quantile(positive, np.arange(1, bins - 1) / (bins - 1))
        codes[:, u] = np.where(v > 0, 1 + np.searchsorted(edges, v, side='right'), 0)
    return codes


def standardized(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def sparse_inputs(x_from, y_to):
    """The Gram matrix and X'y of the standardized units (the part of the LASSO that grows with N)."""
    xs = standardized(x_from)
    ys = standardized(y_to)
    return xs.T @ xs, xs.T @ ys, xs, ys


def sparse_losses(inputs, alphas, tol, max_iter):
    """sklearn's lasso_path per target from the precomputed Gram and X'y; mean 1 - R^2 per alpha."""
    from sklearn.linear_model import lasso_path
    gram, xy, xs, ys = inputs
    n = xs.shape[0]
    order = sorted(alphas, reverse=True)
    losses = {a: [] for a in order}
    for j in range(ys.shape[1]):
        progress(j, ys.shape[1])
        _, coefs, _ = lasso_path(xs, ys[:, j], alphas=order, precompute=gram, Xy=xy[:, j], tol=tol, max_iter=max_iter)
        for k, alpha in enumerate(order):
            w = coefs[:, k]
            # 1 - R^2 of a standardized target, exact from the Gram: 1 - 2 c'w + w'Cw (C = G / n, c = X'y / n)
            losses[alpha].append(1 - 2 * (xy[:, j] @ w) / n + (w @ gram @ w) / n)
    return {a: float(np.mean(v)) for a, v in losses.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--acts', required=True)
    ap.add_argument('--nets', required=True)
    ap.add_argument('--layers', required=True)
    ap.add_argument('--methods', required=True)
    ap.add_argument('--bins', type=int, default=10)
    ap.add_argument('--alphas', default='0.00001,0.0001,0.001,0.01,0.1')
    ap.add_argument('--compare-alpha', type=float, default=0.01)
    ap.add_argument('--tol', type=float, default=1e-4)  # scikit-learn's default, what its user gets
    ap.add_argument('--max-iter', type=int, default=10000)
    ap.add_argument('--max-k', type=int, default=32)
    ap.add_argument('--stage-budget', type=int, default=0, help='seconds per stage; 0: none')
    args = ap.parse_args()
    nets = args.nets.split(',')
    methods = args.methods.split(',')
    alphas = [float(a) for a in args.alphas.split(',')]
    pairs = [(i, j) for i in range(len(nets)) for j in range(i + 1, len(nets))]
    st = Stages(args.stage_budget)
    import sklearn
    st.notes.append(f'numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}; BLAS threads: numpy default (every core)')

    for layer in args.layers.split(','):
        arrays = [open_layer(args.acts, net, layer) for net in nets]
        moments = st.run('moments', True, lambda: joint_moments(arrays), accumulate=True)
        if moments is None:
            continue
        mean, cov, n, units = moments
        offsets = np.cumsum([0] + units)

        def correlations():
            live = [live_units(mean, cov, offsets[k], units[k]) for k in range(len(nets))]
            std = np.sqrt(np.maximum(np.diag(cov), 0))
            out = {}
            for i, j in pairs:
                ia, jb = offsets[i] + live[i], offsets[j] + live[j]
                out[(i, j)] = cov[np.ix_(ia, jb)] / np.outer(std[ia], std[jb])
            return live, std, out

        got = st.run(f'correlation {layer}', False, correlations)
        if got is None:
            continue
        live, std, r = got

        def joint_r(i, j):
            idx = np.concatenate([offsets[i] + live[i], offsets[j] + live[j]])
            return cov[np.ix_(idx, idx)] / np.outer(std[idx], std[idx])

        def bipartite(i, j):
            rows, cols = linear_sum_assignment(r[(i, j)], maximize=True)
            return float(r[(i, j)][rows, cols].mean())

        def cka(i, j):
            ia, jb = offsets[i] + live[i], offsets[j] + live[j]
            cab = cov[np.ix_(ia, jb)]
            return float((cab * cab).sum() / (np.linalg.norm(cov[np.ix_(ia, ia)]) * np.linalg.norm(cov[np.ix_(jb, jb)])))

        def spectral(i, j):
            from sklearn.cluster import KMeans
            k, vectors = eigengap_k(joint_r(i, j), args.max_k)
            emb = vectors[:, :k]
            KMeans(n_clusters=k, n_init=10, random_state=0).fit(emb)
            return k

        def hac(i, j):
            joint = joint_r(i, j)
            k, _ = eigengap_k(joint, args.max_k, positive=True)
            dist = np.clip(1 - joint, 0, None)
            np.fill_diagonal(dist, 0)
            fcluster(linkage(squareform(dist, checks=False), method='average'), k, criterion='maxclust')
            return k

        # The methods that work from the moments: per pair of nets, one number each.
        for method, metric, fn in (
            ('semi', 'semi_corr', lambda i, j: float(r[(i, j)].max(axis=1).mean())),
            ('bipartite', 'bipartite_corr', bipartite),
            ('linear-cka', 'linear_cka', cka),
            ('spectral', 'spectral_k', spectral),
            ('hac', 'hac_k', hac),
        ):
            if method in methods:
                v = st.run(f'{method} {layer}', False, lambda: [fn(i, j) for i, j in pairs])
                if v is not None:
                    st.number(layer, metric, v)
        del cov
        if 'mi' in methods:
            def mi():
                codes = [bin_codes(a, args.bins) for a in arrays]
                out = []
                for k, (i, j) in enumerate(pairs):
                    part(k, len(pairs))
                    m = mi_matrix(codes[i][:, live[i]], codes[j][:, live[j]], args.bins)
                    rows, cols = linear_sum_assignment(m, maximize=True)
                    out.append(float(m[rows, cols].mean()))
                return out
            v = st.run(f'mi {layer}', True, mi)
            if v is not None:
                st.number(layer, 'mi_bipartite', v)
        if 'sparse-prediction' in methods:
            def inputs():
                data = [samples_of(a[:]) for a in arrays]
                return {(f, t): sparse_inputs(data[f][:, live[f]], data[t][:, live[t]]) for i, j in pairs for f, t in ((i, j), (j, i))}
            prepared = st.run(f'sparse-prediction inputs {layer}', True, inputs)
            if prepared is not None:
                v = st.run(f'sparse-prediction {layer}', False, lambda: [part(k, len(prepared)) or sparse_losses(p, alphas, args.tol, args.max_iter).get(args.compare_alpha) for k, p in enumerate(prepared.values())])
                if v is not None:
                    st.number(layer, 'sparse_loss', v)
                del prepared

    print(json.dumps({'stages': st.stages, 'numbers': st.numbers, 'notes': st.notes}))


if __name__ == '__main__':
    sys.exit(main())
