// Small seeded generators, so examples, data splits, cluster starts and weight init are the same
// on every machine (shared by example/, inputs/data/, align/cluster/ and train/; tests and benches
// use them for data too).

/**
 * xorshift32 (Marsaglia 2003): the generator the fixture scripts under scripts/fixtures/
 * re-implement bit for bit, so tests and benches can rebuild their seeded matrices.
 */
export class XorShift32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** The next 32-bit state (never 0). */
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  /** state / 2^32 in [0, 1), as the fixture scripts draw. */
  draw(): number {
    return this.next() / 4294967296;
  }
  /** (state + 0.5) / 2^32 in (0, 1): never 0, so safe under log. */
  uniform(): number {
    return (this.next() + 0.5) / 4294967296;
  }
}

/** mulberry32: 32-bit state, full period, good enough for planted test data. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller) from a seeded uniform source. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let x = 0;
    while (x === 0) x = u();
    const r = Math.sqrt(-2 * Math.log(x));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function seededPermutation(n: number, seed: number): number[] {
  const u = seededUniform(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** A random k x k rotation (Gram-Schmidt on Gaussian columns), row-major. */
export function seededRotation(k: number, seed: number): Float64Array {
  const normal = seededNormal(seed);
  const q = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    const v = new Float64Array(k);
    for (let r = 0; r < k; r++) v[r] = normal();
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < k; r++) dot += v[r] * q[r * k + p];
      for (let r = 0; r < k; r++) v[r] -= dot * q[r * k + p];
    }
    let norm = 0;
    for (let r = 0; r < k; r++) norm += v[r] * v[r];
    norm = Math.sqrt(norm);
    for (let r = 0; r < k; r++) q[r * k + c] = v[r] / norm;
  }
  return q;
}
