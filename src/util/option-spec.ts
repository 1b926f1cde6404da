// The options a method or a reducer declares (`--<name>.<option> VALUE` on the command line), and
// how given values are checked against the declaration. One module that both align/methods/
// and probe/reducers/ import, so that neither folder imports the other for it and both check the same way.

export interface OptionSpec {
  type: 'number' | 'string' | 'boolean';
  default?: number | string | boolean;
  describe: string;
}

/**
 * The declared defaults overridden by `overrides`. An undeclared option is refused; a number
 * option given as text must parse to a finite number; a boolean given as text is false for
 * 'false' and '0', else true. `what` names the owner in errors, e.g. `method semi`.
 */
export function resolveOptions(
  what: string,
  specs: Record<string, OptionSpec> | undefined,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs ?? {})) options[key] = spec.default;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const spec = specs?.[key];
    if (!spec) throw new Error(`${what} has no option "${key}"${specs ? `; it has: ${Object.keys(specs).join(', ')}` : ''}`);
    if (spec.type === 'number' && typeof value !== 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${what}: option ${key} must be a number, got "${String(value)}"`);
      options[key] = n;
    } else if (spec.type === 'boolean' && typeof value === 'string') {
      options[key] = value !== 'false' && value !== '0';
    } else options[key] = value;
  }
  return options;
}
