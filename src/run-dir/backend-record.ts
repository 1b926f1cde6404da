// probe.json's `backend`: what computed the run. A run resumed on another engine (WASM's plain and
// relaxed-SIMD builds round float32 differently, about 1e-7) or merged from parts probed on
// different machines names every one, joined by " | ", each once, in the order they worked.
const SEPARATOR = ' | ';

/** The backends of `records` (each possibly already a joined list), each once, in order. */
export function joinBackends(records: string[]): string {
  return [...new Set(records.flatMap((r) => r.split(SEPARATOR)))].join(SEPARATOR);
}

/**
 * The manifest's backend after a run resumed with `backend`: unchanged when that is already named,
 * else `backend` added; `log` says so, since the layers then mix the two engines' rounding.
 */
export function resumedBackend(recorded: string, backend: string, log?: (line: string) => void): string {
  const joined = joinBackends([recorded, backend]);
  if (joined !== recorded) log?.(`resumed on a different backend than the run began with (${recorded}): now ${backend}; probe.json names both, and results mix their rounding (float32, about 1e-7)`);
  return joined;
}
