// How many passes over a layer's data a reducer needs (browser-safe: the CLI's probe and the
// page's study both ask here).
import type { Reducer, ReducerLayer } from './types.js';

/**
 * Passes over the data `reducer` needs: its declared `passes` or, given the layer, `passesFor(layer)`
 * (e.g. mi-histograms counting a wide layer in tiles).
 */
export function passesOf(reducer: Reducer, layer?: ReducerLayer): number {
  const p = reducer.passes ?? 1;
  if (!Number.isInteger(p) || p < 1) throw new Error(`reducer ${reducer.name}: passes must be a positive integer, got ${String(reducer.passes)}`);
  if (!layer || !reducer.passesFor) return p;
  const q = reducer.passesFor(layer);
  if (!Number.isInteger(q) || q < p) throw new Error(`reducer ${reducer.name}, layer ${layer.layer}: passesFor must give an integer of at least passes (${p}), got ${String(q)}`);
  return q;
}
