// The 95% interval of one matched pair's correlation by Fisher's z transform (Fisher 1915):
// atanh(r) is near normal with standard error 1 / sqrt(n - 3), so the interval is
// tanh(atanh(r) -+ 1.96 / sqrt(n - 3)). The effective sample size n is the number of images, not of
// samples: the positions of one image are not independent, so counting them would make the
// interval far too narrow (images is conservative where positions carry independent signal).
// The interval is for the correlation of a pair chosen beforehand: a partner picked as the best
// of many is biased upwards, which the chance level (the null reducer) shows.

/** z such that P(|Z| <= z) = 0.95 for a standard normal Z. */
export const Z_95 = 1.959963984540054;

/** [lo, hi] of r's 95% interval with n independent images; nulls when r is null or n <= 3. */
export function fisherInterval(r: number | null, n: number | undefined): [number | null, number | null] {
  if (r === null || n === undefined || !(n > 3)) return [null, null];
  const z = Math.atanh(Math.max(-1, Math.min(1, r)));
  const half = Z_95 / Math.sqrt(n - 3);
  return [Math.tanh(z - half), Math.tanh(z + half)];
}
