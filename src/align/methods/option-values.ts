// Reading a method's option values inside `run` (align has already filled in the declared
// defaults and turned numeric text into numbers; contexts built by hand may leave an option out,
// hence the optional fallbacks). Every refusal reads `method <name>: option <key> must be ...`.

type Options = Record<string, unknown> | undefined;

function refuse(method: string, key: string, expect: string, raw: unknown): Error {
  return new Error(`method ${method}: option ${key} must be ${expect}, got "${String(raw)}"`);
}

/** A finite number for which `valid` holds; `fallback` when the option is absent. */
export function numberOption(options: Options, method: string, key: string, expect: string, valid: (v: number) => boolean, fallback?: number): number {
  const raw = options?.[key];
  const v = (raw === undefined || raw === null) && fallback !== undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || !valid(v)) throw refuse(method, key, expect, raw);
  return v;
}

export function integerOption(options: Options, method: string, key: string, min: number): number {
  return numberOption(options, method, key, `an integer >= ${min}`, (v) => Number.isInteger(v) && v >= min);
}

export function choiceOption<T extends string>(options: Options, method: string, key: string, choices: readonly T[]): T {
  const v = options?.[key];
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw refuse(method, key, `one of ${choices.join(', ')}`, v);
}

/** true/false, also as 'true'/'1'/1 and 'false'/'0'/0; `fallback` when absent. */
export function booleanOption(options: Options, method: string, key: string, fallback: boolean): boolean {
  const value = options?.[key] ?? fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  throw refuse(method, key, 'true or false', value);
}
