// Reducer `sample-norms`: the per-sample squared norms that the unbiased HSIC needs besides the
// co-moments (src/align/math/hsic.ts: Q_ab = sum_i ||x~_i^a||^2 ||x~_i^b||^2 about the final mean),
// for the debiased linear CKA (method debiased-cka).
//
// Q is a fourth-order sum over samples: it cannot be had from the moments, and the final mean is
// not known while streaming. So the reducer keeps raw sums about a fixed offset, the moments'
// shift (ReducerBatch.shift: the first batch mean of the whole probe, the same in every part of
// a sharded probe), and align moves them to the final mean (src/align/sample-norms.ts,
// normProductFromSums). Per sample i, with z_i = x_i - shift (float64) and, per block k of units
// (here a net), p_i^k = sum_{u in k} z_iu^2, the state is, in float64:
//   products  K x K   sum_i p_i^a p_i^b
//   sums      K       sum_i p_i^k
//   weighted  K x D   sum_i p_i^k z_i      (D: the stacked units of all blocks)
//   n                 samples
// Sums about the shift rather than about a running mean: parts merge by adding them, and, the
// shift being close to the mean, the move to the final mean cancels no large terms (a unit at
// 1e4 with a spread of 1e-2 has z of about 1e-2, not 1e4).
//
// Cost per batch of S samples: O(S D K), two sweeps of the data (the p_i of every block first,
// then the weighted sums), against O(S D^2) for the moments. Measured on 4 nets x 256 units in
// batches of 8192 samples (the default for 1024 units): 50-60 ms a batch, against 220 ms (2
// threads) to 300-400 ms (1 thread) for the moments on the WASM backend (LayerAccumulator.add),
// a ratio of 0.15-0.25; on 2 nets x 256 units, 0.25-0.4 (the moments shrink as D^2, this as D K).
//
// Checkpoints and shards: the state is exactly these sums and the shift; snapshot/restore are
// exact, and merge adds the sums of parts of the same shift (refusing another shift or other nets).
import type { Reducer, ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from './types.js';

export const SAMPLE_NORMS = 'sample-norms';

/** The sums of a SampleNormSums state (views, no copies), as written to the reducer's output. */
export interface SampleNormArrays {
  /** Samples summed. */
  n: number;
  /** D: the per-unit offset the sums are about (null before the first sample). */
  shift: Float64Array | null;
  /** K x K, row-major: sum_i p_i^a p_i^b. */
  products: Float64Array;
  /** K: sum_i p_i^k. */
  sums: Float64Array;
  /** K x D, row-major: row k is sum_i p_i^k z_i. */
  weighted: Float64Array;
}

/**
 * The sums about a shift for any partition of D stacked units into K blocks (`blockOf[u]` is unit
 * u's block): the nets of a layer for reducer sample-norms, or the (net, layer) blocks of
 * layer-cka. Fed unit-major parts whose units, stacked in order, are the D units.
 */
export class SampleNormSums {
  readonly units: number;
  n = 0;
  shift: Float64Array | null = null;
  readonly products: Float64Array;
  readonly sums: Float64Array;
  readonly weighted: Float64Array;
  /** K x S scratch: p_i^k of the batch. */
  private norms = new Float64Array(0);

  constructor(
    readonly blockOf: Int32Array,
    readonly blocks: number,
    /** Names the state in errors, e.g. `sample-norms, layer fc1`. */
    readonly label: string,
  ) {
    if (!(Number.isInteger(blocks) && blocks >= 1)) throw new Error(`${label}: ${blocks} blocks of units`);
    blockOf.forEach((k, u) => {
      if (!(k >= 0 && k < blocks)) throw new Error(`${label}: unit ${u} is in block ${k}, outside 0..${blocks - 1}`);
    });
    this.units = blockOf.length;
    this.products = new Float64Array(blocks * blocks);
    this.sums = new Float64Array(blocks);
    this.weighted = new Float64Array(blocks * this.units);
  }

  /** Blocks of consecutive units: block k holds `sizes[k]` units, after those of blocks 0..k-1. */
  static ofSizes(sizes: number[], label: string): SampleNormSums {
    return new SampleNormSums(blocksOfSizes(sizes), sizes.length, label);
  }

  /** A state continuing from saved sums (copied in; the shift is kept as given), refusing arrays of other sizes. */
  static fromArrays(blockOf: Int32Array, blocks: number, label: string, saved: SampleNormArrays): SampleNormSums {
    const state = new SampleNormSums(blockOf, blocks, label);
    checkArrays(saved, blocks, state.units, label);
    state.n = saved.n;
    state.shift = saved.shift;
    state.products.set(saved.products);
    state.sums.set(saved.sums);
    state.weighted.set(saved.weighted);
    return state;
  }

  /**
   * Adds a batch of `samples` samples: `parts` unit-major (data[u * samples + s]), their units
   * stacked in order making the D units; `shift` the D offsets, the same for every batch.
   */
  add(parts: (Float32Array | Float64Array)[], samples: number, shift: Float64Array | undefined): void {
    const { units, blocks, blockOf } = this;
    this.adoptShift(shift);
    const total = parts.reduce((sum, data) => sum + data.length, 0);
    if (!(Number.isInteger(samples) && samples >= 0) || total !== units * samples || parts.some((data) => data.length % samples !== 0)) {
      const sizes = parts.map((data) => data.length).join(' + ');
      throw new Error(`${this.label}: a batch of ${sizes} values for ${units} units x ${samples} samples (each part whole units)`);
    }
    if (samples === 0) return;
    const z = this.shift!;
    if (this.norms.length < blocks * samples) this.norms = new Float64Array(blocks * samples);
    const p = this.norms;
    p.fill(0, 0, blocks * samples);
    // Sweep 1: p_i^k, the squared norm of each sample's z within each block.
    let u = 0;
    for (const data of parts) {
      for (let base = 0; base < data.length; base += samples, u++) {
        const off = blockOf[u] * samples;
        const shiftU = z[u];
        for (let s = 0; s < samples; s++) {
          const v = data[base + s] - shiftU;
          p[off + s] += v * v;
        }
      }
    }
    for (let a = 0; a < blocks; a++) {
      let sum = 0;
      for (let s = 0; s < samples; s++) sum += p[a * samples + s];
      this.sums[a] += sum;
      for (let b = a; b < blocks; b++) {
        let dot = 0;
        for (let s = 0; s < samples; s++) dot += p[a * samples + s] * p[b * samples + s];
        this.products[a * blocks + b] += dot;
        if (b !== a) this.products[b * blocks + a] += dot;
      }
    }
    // Sweep 2: sum_i p_i^k z_iu for every block k and unit u, four (then two) blocks at a time: one
    // read of the unit's values feeds several independent sums, about twice as fast as one block
    // at a time.
    u = 0;
    for (const data of parts) {
      for (let base = 0; base < data.length; base += samples, u++) {
        let k = 0;
        for (; k + 4 <= blocks; k += 4) weightedFour(this.weighted, units, u, k, data, base, z[u], p, samples);
        for (; k + 2 <= blocks; k += 2) weightedTwo(this.weighted, units, u, k, data, base, z[u], p, samples);
        for (; k < blocks; k++) this.weighted[k * units + u] += weightedOne(data, base, z[u], p, k * samples, samples);
      }
    }
    this.n += samples;
  }

  /** Adds the sums of another state of the same blocks and shift (a part over other samples). */
  merge(other: SampleNormArrays, otherLabel: string): void {
    checkArrays(other, this.blocks, this.units, otherLabel);
    if (other.n === 0) return;
    if (this.n === 0 && this.shift === null) this.shift = other.shift;
    else this.adoptShift(other.shift ?? undefined, otherLabel);
    this.n += other.n;
    addInto(this.products, other.products);
    addInto(this.sums, other.sums);
    addInto(this.weighted, other.weighted);
  }

  /** The sums (views of the state's arrays). */
  arrays(): SampleNormArrays {
    return { n: this.n, shift: this.shift, products: this.products, sums: this.sums, weighted: this.weighted };
  }

  /** Takes the first shift given; refuses another one, naming the first unit that differs and both values. */
  private adoptShift(shift: Float64Array | undefined, from = 'this batch'): void {
    if (!shift) {
      throw new Error(
        `${this.label}: ${from} comes without the moments' shift (ReducerBatch.shift), which the sums are taken about; ` +
          'it is given in the first pass when the moments are fed from host data',
      );
    }
    if (shift.length !== this.units) throw new Error(`${this.label}: a shift of ${shift.length} units for ${this.units} units`);
    if (this.shift === null) {
      this.shift = Float64Array.from(shift);
      return;
    }
    for (let u = 0; u < this.units; u++) {
      if (!Object.is(shift[u], this.shift[u])) {
        throw new Error(`${this.label}: ${from} is about another shift than the sums so far: unit ${u} is shifted by ${shift[u]}, the sums by ${this.shift[u]} (parts of one probe share the shift of its first batch)`);
      }
    }
  }
}

/** Adds sum_s p[k'][s] (data[base + s] - shift) to weighted[k' * units + u] for k' = k .. k + 3. */
function weightedFour(weighted: Float64Array, units: number, u: number, k: number, data: Float32Array | Float64Array, base: number, shift: number, p: Float64Array, samples: number): void {
  const o0 = k * samples;
  const [o1, o2, o3] = [o0 + samples, o0 + 2 * samples, o0 + 3 * samples];
  let [d0, d1, d2, d3] = [0, 0, 0, 0];
  for (let s = 0; s < samples; s++) {
    const v = data[base + s] - shift;
    d0 += p[o0 + s] * v;
    d1 += p[o1 + s] * v;
    d2 += p[o2 + s] * v;
    d3 += p[o3 + s] * v;
  }
  weighted[k * units + u] += d0;
  weighted[(k + 1) * units + u] += d1;
  weighted[(k + 2) * units + u] += d2;
  weighted[(k + 3) * units + u] += d3;
}

/** As weightedFour, for k' = k, k + 1. */
function weightedTwo(weighted: Float64Array, units: number, u: number, k: number, data: Float32Array | Float64Array, base: number, shift: number, p: Float64Array, samples: number): void {
  const [o0, o1] = [k * samples, (k + 1) * samples];
  let [d0, d1] = [0, 0];
  for (let s = 0; s < samples; s++) {
    const v = data[base + s] - shift;
    d0 += p[o0 + s] * v;
    d1 += p[o1 + s] * v;
  }
  weighted[k * units + u] += d0;
  weighted[(k + 1) * units + u] += d1;
}

/** sum_s p[off + s] (data[base + s] - shift). */
function weightedOne(data: Float32Array | Float64Array, base: number, shift: number, p: Float64Array, off: number, samples: number): number {
  let dot = 0;
  for (let s = 0; s < samples; s++) dot += p[off + s] * (data[base + s] - shift);
  return dot;
}

/** blockOf for blocks of consecutive units of the given sizes. */
export function blocksOfSizes(sizes: number[]): Int32Array {
  const out = new Int32Array(sizes.reduce((a, b) => a + b, 0));
  let u = 0;
  sizes.forEach((size, k) => out.fill(k, u, (u += size)));
  return out;
}

function addInto(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

function checkArrays(a: SampleNormArrays, blocks: number, units: number, label: string): void {
  const expect: [string, ArrayLike<number> | null, number][] = [
    ['products', a.products, blocks * blocks],
    ['sums', a.sums, blocks],
    ['weighted', a.weighted, blocks * units],
  ];
  if (a.shift) expect.push(['shift', a.shift, units]);
  for (const [name, data, length] of expect) {
    if (data?.length !== length) throw new Error(`${label}: ${name} holds ${data?.length} values, expected ${length} (${blocks} blocks, ${units} units)`);
  }
  if (!(Number.isSafeInteger(a.n) && a.n >= 0)) throw new Error(`${label}: ${a.n} samples`);
  if (a.n > 0 && !a.shift) throw new Error(`${label}: sums of ${a.n} samples without the shift they are about`);
}

/** What the reducer writes to result.json. */
export interface SampleNormsJson {
  reducer: typeof SAMPLE_NORMS;
  samples: number;
  /** The blocks, in order: one per net, of its units. */
  nets: { name: string; units: number }[];
}

function stateFor(layer: ReducerLayer, saved?: SampleNormArrays): SampleNormSums {
  const sizes = layer.nets.map((n) => n.units);
  const label = `${SAMPLE_NORMS}, layer ${layer.layer}`;
  return saved ? SampleNormSums.fromArrays(blocksOfSizes(sizes), sizes.length, label, saved) : SampleNormSums.ofSizes(sizes, label);
}

function reducerState(layer: ReducerLayer, sums: SampleNormSums): ReducerState {
  const nets = layer.nets.map((n) => ({ name: n.name, units: n.units }));
  return {
    update(batch) {
      if ((batch.pass ?? 0) !== 0) throw new Error(`${sums.label}: a batch of pass ${batch.pass}; the reducer has one pass`);
      sums.add(batch.nets, batch.samples, batch.shift);
    },
    snapshot: () => encodeSnapshot(nets, sums.arrays()),
    finish(): ReducerOutput {
      const a = sums.arrays();
      const K = nets.length;
      const D = sums.units;
      const json: SampleNormsJson = { reducer: SAMPLE_NORMS, samples: a.n, nets };
      return {
        arrays: {
          // No samples, no shift: zeros, never read (n = 0 leaves every metric undefined).
          shift: { data: a.shift ?? new Float64Array(D), shape: [D] },
          products: { data: a.products, shape: [K, K] },
          sums: { data: a.sums, shape: [K] },
          weighted: { data: a.weighted, shape: [K, D] },
        },
        json,
      };
    },
  };
}

function encodeSnapshot(nets: { name: string; units: number }[], a: SampleNormArrays): ReducerSnapshot {
  const K = nets.length;
  const D = a.weighted.length / K;
  const arrays: ReducerSnapshot['arrays'] = {
    products: { data: a.products, shape: [K, K] },
    sums: { data: a.sums, shape: [K] },
    weighted: { data: a.weighted, shape: [K, D] },
  };
  if (a.shift) arrays.shift = { data: a.shift, shape: [D] };
  return { arrays, json: { reducer: SAMPLE_NORMS, pass: 0, samples: a.n, nets } };
}

/** The sums of a snapshot, refusing one of another reducer, pass or nets than `layer`'s (naming both). */
function decodeSnapshot(layer: ReducerLayer, snapshot: ReducerSnapshot, where: string): SampleNormArrays {
  const json = snapshot.json;
  const label = `${SAMPLE_NORMS}, layer ${layer.layer}: ${where}`;
  if (json.reducer !== SAMPLE_NORMS || json.pass !== 0) throw new Error(`${label} is not a pass-0 state of ${SAMPLE_NORMS} (reducer ${String(json.reducer)}, pass ${String(json.pass)})`);
  const mine = layer.nets.map((n) => `${n.name} (${n.units})`).join(', ');
  const saved = Array.isArray(json.nets) ? (json.nets as { name: string; units: number }[]).map((n) => `${n.name} (${n.units})`).join(', ') : String(json.nets);
  if (saved !== mine) throw new Error(`${label} is of the nets ${saved}, this layer's are ${mine}`);
  const arrays = snapshot.arrays;
  const float64 = (key: string): Float64Array => {
    const data = arrays[key]?.data;
    if (!(data instanceof Float64Array)) throw new Error(`${label} has no float64 array "${key}"`);
    return data;
  };
  return {
    n: json.samples as number,
    shift: arrays.shift ? float64('shift') : null,
    products: float64('products'),
    sums: float64('sums'),
    weighted: float64('weighted'),
  };
}

export const sampleNormsReducer: Reducer = {
  name: SAMPLE_NORMS,
  description: 'per-sample squared norms of each net\'s units, summed as the unbiased HSIC needs them (method debiased-cka); one pass, O(samples x units x nets)',
  // Under --blocks, a state per block too: the jackknife of debiased-cka merges them as it merges the moments.
  perBlock: true,
  create: (layer) => reducerState(layer, stateFor(layer)),
  restore: (layer, snapshot) => reducerState(layer, stateFor(layer, decodeSnapshot(layer, snapshot, 'the saved state'))),
  merge(layer, a, b): ReducerSnapshot {
    const first = stateFor(layer, decodeSnapshot(layer, a, 'the first part'));
    first.merge(decodeSnapshot(layer, b, 'the second part'), `${SAMPLE_NORMS}, layer ${layer.layer}: the second part`);
    return encodeSnapshot(layer.nets, first.arrays());
  },
};
