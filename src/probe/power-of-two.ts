// Exact power-of-two scaling, for carrying activations of any magnitude through float32 kernels.
//
// Multiplying by 2^e changes only a float's exponent, so it is exact as long as the result stays
// a normal number: a batch scaled per unit so that its largest centred value lies in [1, 2) has
// squares and products far from float32's overflow (3.4e38) and subnormal range (1.2e-38), and
// the kernel's result scaled back in float64 is what it would have been without the scale.

/** The largest and smallest exponents that keep 2^e a normal float64 number. */
const MAX_EXPONENT = 1023;
const MIN_EXPONENT = -1022;

/** x * 2^e, exact unless the result leaves float64's normal range (then rounded, or +-Infinity). */
export function ldexp(x: number, e: number): number {
  // 2^e itself must be a normal float64: larger |e| is applied in two steps, both in the same
  // direction, so an intermediate overflows or goes subnormal only when the result does.
  if (e > MAX_EXPONENT) return x * 2 ** MAX_EXPONENT * 2 ** (e - MAX_EXPONENT);
  if (e < MIN_EXPONENT) return x * 2 ** MIN_EXPONENT * 2 ** (e - MIN_EXPONENT);
  return x * 2 ** e;
}

/** The e with 2^e <= |x| < 2^(e + 1), for finite x != 0 (clamped to float64's normal exponents); 0 for x = 0. */
export function exponentOf(x: number): number {
  const a = Math.abs(x);
  if (!(a > 0) || !Number.isFinite(a)) return 0;
  let e = Math.floor(Math.log2(a));
  // log2 may round across a power of two: correct by one either way.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return Math.min(MAX_EXPONENT, Math.max(MIN_EXPONENT, e));
}
