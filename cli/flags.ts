// Numeric flags are checked when the command line is read, before any file or device is touched:
// `--threads 1.5`, `--limit -5` or `--top-k abc` is refused naming the flag and the value, instead
// of running with a silently rounded value or failing deep inside with an unrelated message.
import { availableParallelism } from 'node:os';

/** The most threads --threads accepts: oversubscribing the cores more than this only costs memory. */
export const MAX_THREADS = Math.min(256, 4 * availableParallelism());

function parseIntegerFlag(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} expects an integer ${range}, got "${String(value)}"`);
  return n;
}

/** A finite number for which `valid` holds; `expect` says which, for the message ("a number in [0, 1)"). */
function parseNumberFlag(flag: string, value: unknown, expect: string, valid: (n: number) => boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || !valid(n)) throw new Error(`--${flag} expects ${expect}, got "${String(value)}"`);
  return n;
}

/** A checked numeric flag as yargs sees it; with a default, its value is never undefined (typed so). */
interface NumberFlag {
  readonly describe: string;
  readonly requiresArg: true;
  readonly coerce: (value: unknown) => number | undefined;
}
interface NumberFlagWithDefault extends Omit<NumberFlag, 'coerce'> {
  readonly default: number;
  readonly coerce: (value: unknown) => number;
}

/**
 * A yargs option for an integer flag: no yargs type (so "abc" arrives as written, for the message),
 * one value required, checked by `coerce`.
 */
export function integerOption(flag: string, describe: string, min: number, max?: number): NumberFlag;
export function integerOption(flag: string, describe: string, min: number, max: number | undefined, defaultValue: number): NumberFlagWithDefault;
export function integerOption(flag: string, describe: string, min: number, max?: number, defaultValue?: number): NumberFlag | NumberFlagWithDefault {
  return parsedOption(describe, defaultValue, (value) => parseIntegerFlag(flag, value, min, max));
}

export function positiveNumberOption(flag: string, describe: string): NumberFlag;
export function positiveNumberOption(flag: string, describe: string, defaultValue: number): NumberFlagWithDefault;
export function positiveNumberOption(flag: string, describe: string, defaultValue?: number): NumberFlag | NumberFlagWithDefault {
  return numberOption(flag, describe, 'a positive number', (n) => n > 0, defaultValue);
}

/** A yargs option for a real-valued flag with a range (`expect` words it: "a number in [0, 1)"), checked by `coerce`. */
export function numberOption(flag: string, describe: string, expect: string, valid: (n: number) => boolean, defaultValue: number): NumberFlagWithDefault;
export function numberOption(flag: string, describe: string, expect: string, valid: (n: number) => boolean, defaultValue?: number): NumberFlag | NumberFlagWithDefault;
export function numberOption(flag: string, describe: string, expect: string, valid: (n: number) => boolean, defaultValue?: number): NumberFlag | NumberFlagWithDefault {
  return parsedOption(describe, defaultValue, (value) => parseNumberFlag(flag, value, expect, valid));
}

/** A yargs option with one required value, the last one given when repeated, read by `parse` (which refuses bad values). */
function parsedOption(describe: string, defaultValue: number | undefined, parse: (value: unknown) => number): NumberFlag | NumberFlagWithDefault {
  return {
    describe,
    requiresArg: true,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    coerce: (value: unknown) => (value === undefined ? undefined : parse(lastOf(value))),
  } as NumberFlag;
}

/** --seeds: "1,2,3" or "1-4" or a mix; `min`: the fewest seeds the command can use (the demo compares two or more). */
export function parseSeeds(spec: string, min = 1): number[] {
  const seeds: number[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a || b - a > 1000) throw new Error(`--seeds: bad range "${part}"`);
      for (let s = a; s <= b; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) seeds.push(Number(part));
    else throw new Error(`--seeds expects integers separated by commas (e.g. 1,2,3,4 or 1-4), got "${part}"`);
  }
  if (seeds.length === 0) throw new Error('--seeds names no seed');
  if (seeds.length < min) throw new Error(`--seeds expects ${min} or more seeds, got "${spec}"`);
  return seeds;
}

/** A flag given twice arrives as an array; the last one wins, as for yargs' typed options. */
function lastOf(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
