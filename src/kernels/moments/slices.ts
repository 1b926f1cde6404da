// How the WASM moment kernel (./wasm.ts) cuts a batch into slices of samples, and which slices it
// runs side by side, one per worker.
//
// A batch is cut into as few slices as the slice limit allows (rounded up to an even count), of
// equal length (whole blocks of samples where that stays within the limit), and the cut does not
// depend on the number of threads: one thread and several form the same slices and merge them into the total in the same
// order, so they give the same bits. Equal slices also keep side-by-side workers equally busy
// (cut at the limit, a conv5 batch of four AlexNets, 10,816 samples of 1,024 units, was one slice
// of 8,192 and one of 2,624).

/** The slices [s0, s1) of a batch of n samples: at most maxSlice samples each, in order (an even count when more than one). */
export function sliceRanges(n: number, maxSlice: number, blockSamples: number): [number, number][] {
  if (n <= 0) return [];
  // An even count when more than one: two workers (two cores, the common case) then take pairs.
  const fewest = Math.ceil(n / maxSlice);
  const count = fewest > 1 && fewest % 2 === 1 ? fewest + 1 : fewest;
  const even = Math.ceil(n / count);
  const whole = Math.ceil(even / blockSamples) * blockSamples;
  const length = whole <= maxSlice ? whole : even;
  const slices: [number, number][] = [];
  for (let s0 = 0; s0 < n; s0 += length) slices.push([s0, Math.min(n, s0 + length)]);
  return slices;
}

/**
 * How many slices from slices[k] on run side by side on `threads` workers: `threads` when that
 * many remain and each is at least 3/4 of the first's length (so no worker waits long for the
 * others), else 1 (that slice alone, its rows shared by the workers).
 */
export function sideBySideCount(slices: [number, number][], k: number, threads: number): number {
  if (threads < 2 || k + threads > slices.length) return 1;
  const first = slices[k][1] - slices[k][0];
  for (let i = k + 1; i < k + threads; i++) if (4 * (slices[i][1] - slices[i][0]) < 3 * first) return 1;
  return threads;
}
