// Nets' units stacked one after another (the joint moments of a layer): which net a stacked index
// belongs to. The probe's accumulator and align's finiteness check both name units this way.

/**
 * The net `k` whose block holds stacked unit `i`, and the unit's index within that net. `offsets`
 * are the nets' first stacked indices in order; a net with no units shares its offset with the
 * next one and is passed over. k is -1 when `i` lies before the first offset.
 */
export function unitAtOffset(offsets: readonly number[], i: number): { k: number; unit: number } {
  let k = offsets.length - 1;
  while (k >= 0 && offsets[k] > i) k--;
  return { k, unit: k >= 0 ? i - offsets[k] : i };
}
