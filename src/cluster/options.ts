// Reading the clustering methods' options (numbers arrive as numbers from align, strings as given).

export function integerOption(options: Record<string, unknown>, key: string, method: string, min: number): number {
  const v = Number(options[key]);
  if (!Number.isInteger(v) || v < min) throw new Error(`method ${method}: option ${key} must be an integer >= ${min}, got "${String(options[key])}"`);
  return v;
}

export function numberOption(options: Record<string, unknown>, key: string, method: string, min: number): number {
  const v = Number(options[key]);
  if (!Number.isFinite(v) || v < min) throw new Error(`method ${method}: option ${key} must be a number >= ${min}, got "${String(options[key])}"`);
  return v;
}

export function choiceOption<T extends string>(options: Record<string, unknown>, key: string, method: string, choices: readonly T[]): T {
  const v = options[key];
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw new Error(`method ${method}: option ${key} must be one of ${choices.join(', ')}, got "${String(v)}"`);
}
