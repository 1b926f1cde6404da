// Helpers shared by the one-to-one methods: which units are alive, and means that skip the dead.

/** Mean of the finite values, or null when there are none (so a table never shows NaN). */
export function meanOrNull(values: Iterable<number>): number | null {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : null;
}

/** Finite numbers pass; NaN and infinities become null (arquero writes null as an empty cell). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Both directions of a pair, as [from, to] net indices: (a, b) then (b, a). */
export function directions(pair: [number, number]): [number, number][] {
  return [pair, [pair[1], pair[0]]];
}
