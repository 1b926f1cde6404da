// Shared by the benches that compare us with another tool (moments, LASSO, training; issue 15,
// "Honest benchmarks"): the sides run alternately, one measurement of each per round (A, B, A,
// B, ...), so that a change in the machine's load falls on all of them alike, and every side is
// summarised by the same statistic, the median of its rounds. The load average is printed with
// the figures, since the machine is shared.
import { loadavg } from 'node:os';

/** Rounds of an alternated bench: BENCH_ROUNDS from the environment, else `fallback`. */
export function benchRounds(fallback: number): number {
  const value = Number(process.env.BENCH_ROUNDS);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no measurements');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs every step once per round, in the order given, for `rounds` rounds; each step returns one
 * measurement. Returns every step's measurements in round order.
 */
export async function alternate<K extends string>(rounds: number, steps: [K, () => Promise<number> | number][]): Promise<Record<K, number[]>> {
  const out = Object.fromEntries(steps.map(([k]) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) for (const [k, step] of steps) out[k].push(await step());
  return out;
}

/** "load average 1.23 / 2.34 / 3.45 (1, 5, 15 min)": the machine's load now. */
export function loadLine(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} (1, 5, 15 min)`;
}

/** Waits `ms`: lets another tool's spinning BLAS/OpenMP threads go to sleep before we measure. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
