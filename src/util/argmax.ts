// The predicted class of each row of scores (logits or probabilities, row-major): the index of
// its largest value, the first one on a tie. Shared by the probe's accuracy (src/probe/
// forward-probe.ts) and the trained-net scoring (src/train/evaluate.ts), which must agree with
// the WASM trainer's own count (src/train/wasm-core.ts: first maximum on ties).

/** Index of the largest value of each row of `width` values (the first one on ties). */
export function argmaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const n = width > 0 ? Math.floor(values.length / width) : 0;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[s * width + k] > values[s * width + best]) best = k;
    out[s] = best;
  }
  return out;
}
