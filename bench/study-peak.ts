// Peak resident memory of one stage of a long-lived bench process: Linux lets a process reset its
// high-water mark (VmHWM) by writing 5 to /proc/self/clear_refs, so each stage's peak is its own.
// Elsewhere the process's peak so far (process.resourceUsage().maxRSS) is all there is.
import { readFileSync, writeFileSync } from 'node:fs';

export function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: peakMiB() then reports the process's peak so far
  }
}

/** The resident high-water mark since the last resetPeak(), MiB. */
export function peakMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}
