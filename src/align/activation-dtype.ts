// The precision of the activations a probe read, per net, as recorded in moments/<layer>/count.json
// (`dtype: { <net>: 'float32' | 'float64' }`): align's dead-unit rule follows it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActivationDtype } from './unit-stats.js';

/**
 * The recorded dtype of each net's activations in a layer's moments folder. Runs written before
 * the record have none: their nets read float32 (the default of the dead-unit rule).
 */
export async function readActivationDtypes(momentsDir: string): Promise<Record<string, ActivationDtype>> {
  const path = join(momentsDir, 'count.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  const recorded = (JSON.parse(text) as { dtype?: unknown }).dtype;
  if (recorded === undefined) return {};
  if (typeof recorded !== 'object' || recorded === null) throw new Error(`${path}: "dtype" must map net names to "float32" or "float64"`);
  for (const [net, dtype] of Object.entries(recorded)) {
    if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`${path}: net ${net} has dtype ${JSON.stringify(dtype)}; expected "float32" or "float64"`);
  }
  return recorded as Record<string, ActivationDtype>;
}
