// The range of activations whose moments float64 can hold, and the refusal for values outside it.
//
// The moments on disk are float64 sums of squared deviations from the mean, and the metrics form
// products of covariances (CKA squares them and sums d^2 of them). A unit's deviations from its
// shift (the first batch's mean) are therefore kept within 2^240 (~1.8e72): squares stay below
// 2^480 and d^2 sums of squared covariances below 2^1024 for any layer that fits in memory.
// Deviations below 2^-240 (~5.7e-73), but not zero, are refused as well: their squares would go
// subnormal and lose their digits. Moments are not stored scaled: every reader (align, plugins,
// numpy users of the run directory) would have to apply the scale, and a silent misuse would give
// a wrong number that looks right; a refusal that names the unit and value is the safer answer.

/** Largest |x - shift| the moments accept: 2^240 (~1.8e72). */
export const MAX_DEVIATION = 2 ** 240;
/** Smallest non-zero |x - shift| the moments accept: 2^-240 (~5.7e-73). */
export const MIN_DEVIATION = 2 ** -240;

export class ActivationRangeError extends Error {
  constructor(
    readonly net: string,
    readonly layer: string,
    readonly unit: number,
    readonly sample: number,
    readonly value: number,
    readonly shift: number,
  ) {
    const deviation = Math.abs(value - shift);
    const why =
      deviation > MAX_DEVIATION
        ? `beyond ${MAX_DEVIATION.toPrecision(2)} (2^240), where squares and products of covariances overflow float64`
        : `below ${MIN_DEVIATION.toPrecision(2)} (2^-240) but not zero, where squares go subnormal and lose their digits`;
    super(
      `net ${net}, layer ${layer}: unit ${unit} is ${value} at sample ${sample}, ${deviation.toPrecision(3)} from the unit's first-batch mean ${shift}; ` +
        `deviations ${why}. Rescale this layer's activations (e.g. multiply by a power of ten) and probe again`,
    );
    this.name = 'ActivationRangeError';
  }
}

/** Refuses a unit whose largest deviation from its shift in a batch is out of range. */
export function checkDeviation(
  largest: number,
  where: { net: string; layer: string; unit: number; sample: number; value: number; shift: number },
): void {
  if (largest <= MAX_DEVIATION && (largest === 0 || largest >= MIN_DEVIATION)) return;
  throw new ActivationRangeError(where.net, where.layer, where.unit, where.sample, where.value, where.shift);
}
