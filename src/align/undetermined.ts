// Statistics that the number of samples cannot determine, and the words that say so.
//
// n samples centred on their mean span at most n - 1 directions. So:
//  - a Pearson correlation needs n >= 3: with 2 samples every centred unit is +-(d, -d) and every
//    correlation is exactly +1 or -1, whatever the data;
//  - canonical correlations need n - 1 >= rank_a + rank_b: otherwise the two spans, inside an
//    (n - 1)-dimensional space, share rank_a + rank_b - (n - 1) directions, forced to correlate 1;
//  - regressing B on A needs n - 1 > rank_a: otherwise A spans every centred sample and R^2 = 1.
// A statistic that is undetermined is never reported as a number: align refuses a layer whose
// correlations are undetermined, and the metrics give null with a note (metric_notes and the log).

import { plural } from '../util/plural.js';

/** Fewest samples a correlation needs to be more than +-1. */
export const MIN_CORRELATION_SAMPLES = 3;

/** Refuses a layer with too few samples for any correlation, naming it. */
export function checkCorrelationSamples(layer: string, samples: number): void {
  if (samples >= MIN_CORRELATION_SAMPLES) return;
  throw new Error(
    `layer ${layer}: ${plural(samples, 'sample')}; correlations need at least ${MIN_CORRELATION_SAMPLES} ` +
      `(with 2, every correlation is +1 or -1 whatever the data). Probe more items (--limit) or leave the layer out (--layer)`,
  );
}

/** Why canonical correlations between spans of these ranks are undetermined, or null. */
export function ccaUndetermined(samples: number, rankA: number, rankB: number): string | null {
  if (samples - 1 >= rankA + rankB) return null;
  return `undetermined: ${samples} samples span at most ${Math.max(0, samples - 1)} directions, fewer than the ${rankA} + ${rankB} of the two nets, so ${rankA + rankB - Math.max(0, samples - 1)} canonical correlations are 1 whatever the data (needs more than ${rankA + rankB} samples)`;
}

/** Why a regression from a span of rank `rank` is undetermined, or null. */
export function regressionUndetermined(samples: number, rank: number, from: string): string | null {
  if (samples - 1 > rank) return null;
  return `undetermined: ${samples} samples span at most ${Math.max(0, samples - 1)} directions, all within ${from}'s ${rank}, so R^2 is 1 whatever the data (needs more than ${rank + 1} samples)`;
}
