// A reducer's options: its declared defaults overridden by `--<reducer>.<option>` values, checked
// the same way as a method's (an unknown option or a non-number for a number is refused).
import type { Reducer } from './types.js';

export function resolveReducerOptions(reducer: Reducer, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(reducer.options ?? {})) options[key] = spec.default;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const spec = reducer.options?.[key];
    if (!spec) {
      throw new Error(`reducer ${reducer.name} has no option "${key}"${reducer.options ? `; it has: ${Object.keys(reducer.options).join(', ')}` : ''}`);
    }
    if (spec.type === 'number' && typeof value !== 'number') {
      const n = Number(value);
      if (Number.isNaN(n)) throw new Error(`reducer ${reducer.name}: option ${key} must be a number, got "${String(value)}"`);
      options[key] = n;
    } else if (spec.type === 'boolean' && typeof value === 'string') {
      options[key] = value !== 'false' && value !== '0';
    } else options[key] = value;
  }
  return options;
}
