// The data of the browser examples: two small "nets" whose units respond to shared hidden
// features, and the arithmetic that turns joint moments into the correlations between them.
// Plain functions with no imports, so that the examples' test can rebuild the same numbers in Node.
//
// Net A has 13 units, net B 11 (sizes that are not multiples of 4, as real layers often are).
// Each unit is a ReLU of one of 16 hidden features plus noise of its own; the two nets draw their
// features in different orders, so some units of A and B share a feature (a planted pair) and the
// rest share nothing. A good alignment finds the planted pairs and gives them high correlations.

export const UNITS_A = 13;
export const UNITS_B = 11;
export const SAMPLES = 1001;
const FEATURES = 16;
const NOISE = 0.6;
const BIAS = 0.5; // keeps every unit alive (a unit that is always zero has no correlation)

/** A seeded generator of uniform numbers in [0, 1) (mulberry32): the same stream everywhere. */
function uniform(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers from a uniform stream (Box-Muller). */
function normal(next) {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** The first `count` entries of a shuffle of 0..FEATURES-1 (Fisher-Yates). */
function pickFeatures(next, count) {
  const order = Array.from({ length: FEATURES }, (_, i) => i);
  for (let i = FEATURES - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

/**
 * Activations of both nets on SAMPLES inputs, stacked as one batch for the moment kernels:
 * unit-major float32, rows 0..UNITS_A-1 are net A's units and the next UNITS_B rows net B's
 * (`data[u * SAMPLES + s]`). `featureA[i]` / `featureB[j]`: the hidden feature each unit follows.
 */
export function twoNets(seed = 2016) {
  const next = uniform(seed);
  const gauss = normal(next);
  const featureA = pickFeatures(next, UNITS_A);
  const featureB = pickFeatures(next, UNITS_B);
  const d = UNITS_A + UNITS_B;
  const data = new Float32Array(d * SAMPLES);
  const hidden = new Float64Array(FEATURES);
  const features = [...featureA, ...featureB];
  for (let s = 0; s < SAMPLES; s++) {
    for (let f = 0; f < FEATURES; f++) hidden[f] = gauss();
    for (let u = 0; u < d; u++) data[u * SAMPLES + s] = Math.max(0, hidden[features[u]] + NOISE * gauss() + BIAS);
  }
  return { data, d, n: SAMPLES, featureA, featureB };
}

/**
 * The UNITS_A x UNITS_B correlations between the nets' units (row-major), from the joint moments
 * of the stacked batch: r_ij = M2[i, A + j] / sqrt(M2[i, i] M2[A + j, A + j]).
 */
export function crossCorrelation(moments) {
  const { d, m2 } = moments;
  if (d !== UNITS_A + UNITS_B) throw new Error(`moments of ${d} units, expected ${UNITS_A} + ${UNITS_B}`);
  const variance = (u) => {
    const v = m2[u * d + u];
    if (!(v > 0)) throw new Error(`${u < UNITS_A ? `net A unit ${u}` : `net B unit ${u - UNITS_A}`} has no variance: no correlation`);
    return v;
  };
  const r = new Float64Array(UNITS_A * UNITS_B);
  for (let i = 0; i < UNITS_A; i++) {
    for (let j = 0; j < UNITS_B; j++) r[i * UNITS_B + j] = m2[i * d + UNITS_A + j] / Math.sqrt(variance(i) * variance(UNITS_A + j));
  }
  return r;
}

/** The matched pairs of an assignment on the correlations: net A unit, net B unit, their correlation. */
export function matchedPairs(correlation, { rowInd, colInd }) {
  return Array.from(rowInd, (a, k) => ({ a, b: colInd[k], r: correlation[a * UNITS_B + colInd[k]] }));
}
