// Finding the first NaN or ±Infinity in a batch, to name the unit and sample in an error.

import type { ActivationBatch } from './types.js';

export interface NonFinite {
  unit: number;
  /** Sample index within the batch, plus `sampleOffset`. */
  sample: number;
  value: number;
  /** 'NaN', 'Infinity' or '-Infinity'. */
  kind: 'NaN' | 'Infinity' | '-Infinity';
}

/**
 * The first NaN or ±Infinity in a batch, scanning unit by unit (lowest unit first, then lowest
 * sample), or null. Pass the batch's first global sample index as `sampleOffset` to get a global
 * sample index, e.g. for `net A, layer conv2, unit 17, sample 12345 is NaN`.
 */
export function findNonFinite(batch: ActivationBatch, sampleOffset = 0): NonFinite | null {
  const { data, samples } = batch;
  const n = Math.min(data.length, batch.units * samples);
  for (let i = 0; i < n; i++) {
    const x = data[i]!;
    if (x - x !== 0) {
      const unit = samples > 0 ? Math.floor(i / samples) : 0;
      const kind = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
      return { unit, sample: i - unit * samples + sampleOffset, value: x, kind };
    }
  }
  return null;
}
