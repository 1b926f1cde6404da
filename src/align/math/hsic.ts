// The unbiased HSIC estimator (Song, Smola, Gretton, Bedo, Borgwardt 2012, "Feature Selection via
// Dependence Maximization", eq. 5) with linear kernels, and the debiased linear CKA built on it
// (Nguyen, Raghu, Kornblith 2021, "Do Wide and Deep Networks Learn the Same Things?"): unlike the
// biased CKA of ./cka.ts, its expectation does not grow with the width of the layers when samples
// are few.
//
// With K = X X' and L = Y Y' (n x n Gram matrices of the samples' features) and K~, L~ those with
// a zero diagonal:
//   HSIC1 = [tr(K~L~) + (1'K~1)(1'L~1) / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3))
// The estimator is invariant to translating X or Y (a U-statistic of kernel differences), so the
// features may be taken centred at their mean, x~_i. There 1'K = 0 and every term is a sum the
// probe streams, without any n x n matrix:
//   tr(K~L~)  = tr(KL) - sum_i K_ii L_ii = ||C_ab||_F^2 - Q_ab
//   1'K~1     = 1'K1 - tr K              = -tr C_aa        (likewise 1'L~1 = -tr C_bb)
//   1'K~L~1   = sum_i (-K_ii)(-L_ii)     = Q_ab
// with C the centred co-moment sums (the moments' m2, not divided by n) and
// Q_ab = sum_i ||x~_i^a||^2 ||x~_i^b||^2 (src/align/sample-norms.ts, from reducer sample-norms).

/** The sums the estimator needs, all about the final mean (centred coordinates). */
export interface HsicSums {
  /** Samples. */
  n: number;
  /** ||C_ab||_F^2: the squared Frobenius norm of the cross co-moment sum block. */
  crossSq: number;
  /** tr C_aa and tr C_bb: the total co-moment sums (sum of squared deviations) of each side. */
  traceA: number;
  traceB: number;
  /** Q_ab = sum_i ||x~_i^a||^2 ||x~_i^b||^2. */
  normProduct: number;
}

export type HsicResult = { value: number; reason: null } | { value: null; reason: string };

/** Unbiased HSIC with linear kernels from streamed sums; null with a reason when n <= 3 (undefined). */
export function unbiasedHsic({ n, crossSq, traceA, traceB, normProduct }: HsicSums): HsicResult {
  if (!(Number.isInteger(n) && n > 3)) return { value: null, reason: `the unbiased HSIC needs more than 3 samples, got ${n}` };
  const values = { crossSq, traceA, traceB, normProduct };
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) return { value: null, reason: `the unbiased HSIC got a non-finite ${name} (${v})` };
  }
  // tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) 1'K~L~1, with the identities above.
  const trace = crossSq - normProduct;
  const ones = (traceA * traceB) / ((n - 1) * (n - 2));
  const cross = (2 / (n - 2)) * normProduct;
  return { value: (trace + ones - cross) / (n * (n - 3)), reason: null };
}

/**
 * Debiased linear CKA: hab / sqrt(haa hbb). A block with itself gives exactly 1: then hab = haa =
 * hbb = h, and sqrt(h * h) is |h| exactly in IEEE binary arithmetic (the square root is correctly
 * rounded and h * h rounds to the float nearest h^2, whose correctly rounded root is h, barring
 * overflow or underflow of h * h, which geometricMean avoids by an exact power-of-two scale), so
 * h / h = 1 for h > 0.
 *
 * It is not clamped: the unbiased HSIC of two blocks can be slightly negative (an unbiased
 * estimate of a quantity near zero), and so can the CKA; clamping would bias it again. Null with
 * a reason when haa or hbb is not positive (no estimated variance on one side: undefined).
 */
export function debiasedCka(hab: number, haa: number, hbb: number): HsicResult {
  if (!(haa > 0) || !(hbb > 0)) {
    return { value: null, reason: `the unbiased HSIC of a side with itself is not positive (${!(haa > 0) ? haa : hbb}): no variance to compare` };
  }
  if (!Number.isFinite(hab)) return { value: null, reason: `the unbiased HSIC of the pair is not finite (${hab})` };
  return { value: hab / geometricMean(haa, hbb), reason: null };
}

/**
 * sqrt(x y) for x, y > 0, exactly x when x = y. Not sqrt(x) * sqrt(y), which is not (sqrt(2) *
 * sqrt(2) is 2.0000000000000004). Where x y would overflow or fall below the normal range, both
 * are first scaled by the same power of two (exact), which the root halves: sqrt(x 2^-e y 2^-e) 2^e.
 */
function geometricMean(x: number, y: number): number {
  const product = x * y;
  if (Number.isFinite(product) && product >= 2 ** -1022) return Math.sqrt(product);
  const e = Math.min(1023, Math.max(-1022, Math.floor(Math.log2(x)))); // log2 of the largest double rounds to 1024
  const scale = 2 ** -e;
  const scaled = x * scale * (y * scale);
  if (Number.isFinite(scaled) && scaled >= 2 ** -1022) return Math.sqrt(scaled) * 2 ** e;
  return Math.sqrt(x) * Math.sqrt(y); // x and y some 300 orders of magnitude apart
}
