// Mutual information of unit pairs from their joint counts (Li et al. 2016, sec. 3), shared by the
// `mi` method (which computes it from the joint histograms a probe wrote) and the `mi-histograms`
// reducer when it counts in tiles (which reduces each tile's counts to these values and drops the
// counts). Both call pairInformation on the same exact counts, so the two give the same float64
// values bit for bit.
//
// For units a, b with joint counts c_ij over N samples (row sums r_i, column sums s_j), the
// plug-in estimate, in nats:
//     I(a; b) = sum_{ij: c_ij > 0} (c_ij / N) ln(c_ij N / (r_i s_j))
// term by term (a logarithm per non-empty cell: its rounding error is relative to I, so that
// independent units give 0 to 1e-16; the form sum c ln c - sum r ln r - sum s ln s + N ln N, half
// the time, cancels terms of size N ln N and is off by about 1e-15 there).
// With the Miller-Madow bias correction, each entropy in I = H(a) + H(b) - H(a, b) gets
// H_MM = H_plugin + (m - 1) / (2N), m its number of non-empty bins, so that
//     I_MM = I + (m_a + m_b - m_ab - 1) / (2N)
// with m_a, m_b the non-empty bins of each unit and m_ab the non-empty cells of the joint
// histogram. pairInformation returns I and the integer m_a + m_b - m_ab - 1; I_MM is computed as
// I + millerMadowCorrection(pair) everywhere, so that it agrees bit for bit.

/** One pair's plug-in MI (NaN when no sample was counted) and its Miller-Madow term's numerator. */
export interface PairInformation {
  mi: number;
  millerMadow: number;
  /** The samples counted (the sum of the cells). */
  samples: number;
}

/**
 * The pair whose bins x bins counts start at `base` of `counts`; `rows` and `cols` are scratch of
 * `bins` entries.
 */
export function pairInformation(counts: ArrayLike<number>, base: number, bins: number, rows: Float64Array, cols: Float64Array): PairInformation {
  rows.fill(0);
  cols.fill(0);
  let n = 0;
  let nonzero = 0;
  for (let i = 0; i < bins; i++) {
    for (let j = 0; j < bins; j++) {
      const c = counts[base + i * bins + j];
      rows[i] += c;
      cols[j] += c;
      if (c > 0) nonzero++;
    }
  }
  for (let i = 0; i < bins; i++) n += rows[i];
  if (!(n > 0)) return { mi: NaN, millerMadow: 0, samples: n };
  let mi = 0;
  for (let i = 0; i < bins; i++) {
    if (rows[i] === 0) continue;
    for (let j = 0; j < bins; j++) {
      const c = counts[base + i * bins + j];
      if (c > 0) mi += c * Math.log((c * n) / (rows[i] * cols[j]));
    }
  }
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < bins; i++) {
    if (rows[i] > 0) ma++;
    if (cols[i] > 0) mb++;
  }
  // >= 0 exactly; rounding can leave -1e-17
  return { mi: Math.max(0, mi / n), millerMadow: ma + mb - nonzero - 1, samples: n };
}

/** The Miller-Madow correction of one pair, (m_a + m_b - m_ab - 1) / (2N); 0 for a pair with no samples. */
export function millerMadowCorrection(pair: PairInformation): number {
  return pair.samples > 0 ? pair.millerMadow / (2 * pair.samples) : 0;
}

/**
 * Mutual information (nats) of every pair of units from joint counts [unitsA, unitsB, bins, bins]
 * (row-major), plug-in or with the Miller-Madow correction. Pairs with no samples give NaN.
 */
export function mutualInformation(counts: ArrayLike<number>, unitsA: number, unitsB: number, bins: number, millerMadow = false): Float64Array {
  const cells = bins * bins;
  if (counts.length !== unitsA * unitsB * cells) throw new Error(`joint counts have ${counts.length} entries, expected ${unitsA} x ${unitsB} x ${bins}^2`);
  const out = new Float64Array(unitsA * unitsB);
  const rows = new Float64Array(bins);
  const cols = new Float64Array(bins);
  for (let p = 0; p < unitsA * unitsB; p++) {
    const pair = pairInformation(counts, p * cells, bins, rows, cols);
    out[p] = millerMadow ? pair.mi + millerMadowCorrection(pair) : pair.mi;
  }
  return out;
}

