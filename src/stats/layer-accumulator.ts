// Streams batches of one layer of several nets into one joint moment summary.
//
// The units of all nets are stacked (net 0's units first), so the joint co-moment matrix holds
// every within-net block on its diagonal and every between-net block off it. Each batch is
// shifted by a fixed per-unit offset (the first batch's float64 mean) before it is rounded to
// float32 for the kernel: activations with a large mean keep their float64 precision, and the
// moments are shift-invariant except the mean, which gets the shift back at the end.
//
// addMoments() takes batch moments reduced elsewhere (on the GPU, from activations that never
// reach the host): there the moment kernel centres each batch on its own mean before its float32
// sums, which serves the same purpose as the shift, and batches merge here in float64 (Chan). A
// layer is fed one way or the other, never both (the shift would not apply to reduced batches).
import type { BatchMoments, MomentKernel } from '../kernels/moments/contract.js';
import { emptyMoments, mergeMomentsInto } from './merge.js';

export interface NetBatch {
  /** unit-major: data[u * samples + s] */
  data: Float32Array | Float64Array;
  units: number;
  samples: number;
}

export class NonFiniteActivationError extends Error {
  constructor(
    readonly net: string,
    readonly layer: string,
    readonly unit: number,
    /** The sample, or, when only a batch's moments were seen, the batch's range [from, to). */
    readonly sample: number | { from: number; to: number },
    readonly value: number,
  ) {
    super(
      typeof sample === 'number'
        ? `net ${net}, layer ${layer}: unit ${unit} is ${value} at sample ${sample}; activations must be finite`
        : `net ${net}, layer ${layer}: unit ${unit} has a ${value} mean over samples ${sample.from}..${sample.to - 1} (which sample is unknown: the batch was reduced on the device); activations must be finite`,
    );
    this.name = 'NonFiniteActivationError';
  }
}

export class LayerAccumulator {
  readonly d: number;
  private readonly offsets: number[];
  private shift: Float64Array | undefined;
  private readonly total: BatchMoments;
  /** How batches arrive: as data (add) or as reduced moments (addMoments); set by the first. */
  private feed: 'data' | 'moments' | undefined;

  constructor(
    readonly layer: string,
    readonly nets: { name: string; units: number }[],
    private readonly kernel: MomentKernel,
  ) {
    this.offsets = [];
    let d = 0;
    for (const net of nets) {
      this.offsets.push(d);
      d += net.units;
    }
    this.d = d;
    this.total = emptyMoments(d);
  }

  /** Adds one batch: one NetBatch per net, in the order of `nets`, all with the same sample count. */
  async add(batches: NetBatch[]): Promise<void> {
    if (batches.length !== this.nets.length) throw new Error(`layer ${this.layer}: expected ${this.nets.length} nets in a batch`);
    const n = batches[0].samples;
    for (let k = 0; k < batches.length; k++) {
      const b = batches[k];
      const net = this.nets[k];
      if (b.units !== net.units) throw new Error(`net ${net.name}, layer ${this.layer}: batch has ${b.units} units, expected ${net.units}`);
      if (b.samples !== n) {
        throw new Error(`layer ${this.layer}: net ${net.name} gave ${b.samples} samples in a batch where net ${this.nets[0].name} gave ${n}`);
      }
    }
    if (n === 0) return;
    this.setFeed('data');
    this.shift ??= this.firstBatchMeans(batches, n);
    const joint = new Float32Array(this.d * n);
    for (let k = 0; k < batches.length; k++) {
      const { data, units } = batches[k];
      const base = this.offsets[k];
      for (let u = 0; u < units; u++) {
        const c = this.shift[base + u];
        const src = u * n;
        const dst = (base + u) * n;
        for (let s = 0; s < n; s++) {
          const v = data[src + s];
          // v - v is NaN exactly when v is NaN or infinite: one test catches both.
          if (v - v !== 0) throw new NonFiniteActivationError(this.nets[k].name, this.layer, u, this.total.n + s, v);
          joint[dst + s] = v - c;
        }
      }
    }
    const moments = await this.kernel.batchMoments(joint, this.d, n);
    mergeMomentsInto(this.total, moments);
  }

  /**
   * Adds the moments of one batch of the stacked nets (d = the sum of their units, net 0's units
   * first), reduced elsewhere. A non-finite mean is refused, naming the net, layer and unit;
   * nothing is merged then. A non-finite variance with finite means (float32 overflow of the
   * squares) is refused too.
   */
  addMoments(batch: BatchMoments): void {
    const { d } = this;
    if (batch.d !== d || batch.mean.length !== d || batch.m2.length !== d * d) {
      throw new Error(`layer ${this.layer}: batch moments of ${batch.d} units (${batch.mean.length} means, ${batch.m2.length} co-moments), expected ${d} (${this.nets.map((n) => `${n.name} ${n.units}`).join(' + ')})`);
    }
    if (batch.n === 0) return;
    const range = { from: this.total.n, to: this.total.n + batch.n };
    for (let i = 0; i < d; i++) {
      const { k, unit } = this.unitOf(i);
      const mean = batch.mean[i];
      if (!Number.isFinite(mean)) throw new NonFiniteActivationError(this.nets[k].name, this.layer, unit, range, mean);
      const m2 = batch.m2[i * d + i];
      if (!Number.isFinite(m2)) {
        throw new Error(`net ${this.nets[k].name}, layer ${this.layer}: unit ${unit} has a ${m2} sum of squared deviations over samples ${range.from}..${range.to - 1} (finite mean ${mean}); its activations overflow float32 arithmetic`);
      }
    }
    this.setFeed('moments');
    mergeMomentsInto(this.total, batch);
  }

  private setFeed(feed: 'data' | 'moments'): void {
    if (this.feed && this.feed !== feed) throw new Error(`layer ${this.layer}: batches were added as ${this.feed}; cannot mix in batches of ${feed}`);
    this.feed = feed;
  }

  /** The net and net-local unit of stacked unit i. */
  private unitOf(i: number): { k: number; unit: number } {
    let k = this.offsets.length - 1;
    while (this.offsets[k] > i) k--;
    return { k, unit: i - this.offsets[k] };
  }

  private firstBatchMeans(batches: NetBatch[], n: number): Float64Array {
    const shift = new Float64Array(this.d);
    for (let k = 0; k < batches.length; k++) {
      const { data, units } = batches[k];
      for (let u = 0; u < units; u++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += data[u * n + i];
        // Round the shift to float32 when the data is float32, so v - c is exact (Sterbenz)
        // for values near the mean; a non-finite sum is caught by the scan in add().
        const mean = s / n;
        shift[this.offsets[k] + u] = Number.isFinite(mean) ? (data instanceof Float32Array ? Math.fround(mean) : mean) : 0;
      }
    }
    return shift;
  }

  /** The joint moments over everything added so far (a copy, mean with the shift added back). */
  result(): BatchMoments {
    const out: BatchMoments = { n: this.total.n, d: this.d, mean: new Float64Array(this.total.mean), m2: new Float64Array(this.total.m2) };
    if (this.shift) for (let i = 0; i < this.d; i++) out.mean[i] += this.shift[i];
    return out;
  }
}
