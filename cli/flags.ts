// Numeric flags are checked when the command line is read, before any file or device is touched:
// `--threads 1.5`, `--limit -5` or `--top-k abc` is refused naming the flag and the value, instead
// of running with a silently rounded value or failing deep inside with an unrelated message.
import { availableParallelism } from 'node:os';

/** The most threads --threads accepts: oversubscribing the cores more than this only costs memory. */
export const MAX_THREADS = Math.min(256, 4 * availableParallelism());

export function parseIntegerFlag(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} expects an integer ${range}, got "${String(value)}"`);
  return n;
}

export function parsePositiveNumberFlag(flag: string, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} expects a positive number, got "${String(value)}"`);
  return n;
}

/**
 * A yargs option for an integer flag: no yargs type (so "abc" arrives as written, for the message),
 * one value required, checked by `coerce`.
 */
export function integerOption(flag: string, describe: string, min: number, max?: number, defaultValue?: number) {
  return {
    describe,
    requiresArg: true,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    coerce: (value: unknown) => (value === undefined ? undefined : parseIntegerFlag(flag, lastOf(value), min, max)),
  } as const;
}

export function positiveNumberOption(flag: string, describe: string, defaultValue?: number) {
  return {
    describe,
    requiresArg: true,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    coerce: (value: unknown) => (value === undefined ? undefined : parsePositiveNumberFlag(flag, lastOf(value))),
  } as const;
}

/** A flag given twice arrives as an array; the last one wins, as for yargs' typed options. */
function lastOf(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
