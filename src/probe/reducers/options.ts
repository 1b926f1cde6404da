// A reducer's options: its declared defaults overridden by `--<reducer>.<option>` values, checked
// the same way as a method's (src/util/option-spec.ts).
import { resolveOptions } from '../../util/option-spec.js';
import type { Reducer } from './types.js';

export function resolveReducerOptions(reducer: Reducer, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  return resolveOptions(`reducer ${reducer.name}`, reducer.options, overrides);
}
