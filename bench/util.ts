// Shared by the bench/*.ts modules: deterministic data and a repeat-until timer.

/** d x n unit-major uniform values in [-0.5, 0.5) from a 32-bit LCG (same data every run). */
export function randomBatch(d: number, n: number): Float32Array {
  const data = new Float32Array(d * n);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 4294967296 - 0.5;
  }
  return data;
}

/** Seconds per call of `fn`, repeating it until at least `minSeconds` have passed (at least once). */
export async function timeIt(fn: () => Promise<unknown>, minSeconds: number): Promise<number> {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fn();
    runs++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < minSeconds);
  return elapsed / runs;
}
