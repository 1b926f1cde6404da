// Streams batches of one layer of several nets into one joint moment summary.
//
// The units of all nets are stacked (net 0's units first), so the joint co-moment matrix holds
// every within-net block on its diagonal and every between-net block off it. Each batch is
// shifted by a fixed per-unit offset (the first batch's float64 mean) before it is rounded to
// float32 for the kernel: activations with a large mean keep their float64 precision, and the
// moments are shift-invariant except the mean, which gets the shift back at the end.
//
// A unit whose shifted values reach beyond 2^40 (or stay below 2^-40) in a batch is also scaled
// by a power of two (exact) so that its largest shifted value lies in [1, 2): activations of any
// magnitude (1e20, 3e38, float64's 1e60) reach the float32 kernel far from overflow and from
// subnormals, and the kernel's moments are scaled back exactly in float64 as they merge.
// Shifted values beyond 2^240 (~1.8e72) or below 2^-240 (but not zero) are refused, naming net,
// layer, unit, sample and value: their squares, and the metrics' products of covariances, would
// leave float64's range (src/probe/moment-range.ts).
//
// addMoments() takes batch moments reduced elsewhere (on the GPU, from activations that never
// reach the host): there the moment kernel centres each batch on its own mean before its float32
// sums, which serves the same purpose as the shift, redoes in float64 any batch that leaves
// float32's range, and batches merge here in float64 (Chan). A layer is fed one way or the other,
// never both (the shift would not apply to reduced batches).
//
// The accumulator also records the precision of what each net fed it (float32 or float64): the
// dead-unit rule follows it (src/align/unit-stats.ts).
//
// Gathering (gather(samples), for layers of one sample per image such as fc6): the kernel's cost per
// batch has a part that grows with d^2 whatever the batch's samples (merging the batch's co-moments
// into the total, and flushing its float32 blocks), which at d = 16,384 and 64 samples is most of
// the work. Gathered, the shifted batches are kept (float32, as the kernel would take them) until
// flush(), which merges them as one batch: a 512-sample flush pays the d^2 part once instead of 8
// times. The caller flushes at fixed sample counts (so a probe stopped and resumed, which resumes
// only where nothing is gathered, merges the same batches), at block ends and at the end. The
// moments of a gathered run differ from an ungathered one by the float32 rounding of the kernel's
// batch sums only (the batches it cuts differ), as blocks and parts do.
import type { BatchMoments, MomentKernel } from '../kernels/moments/contract.js';
import { accumulateBatch, emptyMoments, mergeMomentsInto, mirrorUpper } from '../kernels/moments/merge.js';
import { checkDeviation } from './moment-range.js';
import { exponentOf, ldexp } from './power-of-two.js';
import type { ActivationDtype } from '../align/unit-stats.js';
import { withArticle } from '../util/article.js';
import { unitAtOffset } from '../util/stacked-units.js';

/**
 * Shifted values within [2^-40, 2^40] (or zero) go to the kernel as they are: their squares and
 * float32 sums over any batch stay far inside float32's normal range. Only units beyond get the
 * power-of-two scale (a second pass over their values), so common activations pay nothing.
 */
const UNSCALED_MAX = 2 ** 40;
const UNSCALED_MIN = 2 ** -40;

export interface NetBatch {
  /** unit-major: data[u * samples + s] (or batch-first, see itemMajor) */
  data: Float32Array | Float64Array;
  units: number;
  samples: number;
  /**
   * Set when `data` is batch-first, as a forward pass captures it: (items, units, positions), sample
   * i * positions + p at data[(i * units + u) * positions + p]. LayerAccumulator.add reads it as it is
   * (no transposed copy); everything else takes unit-major batches.
   */
  itemMajor?: { items: number; positions: number };
}

/** Per unit and item of a batch-first batch, [u * items + i]: the item's maximum over positions and the first position holding it. */
export interface ItemMaxima {
  values: Float32Array;
  positions: Uint32Array;
}

/** How a batch's unit u, sample r * runLength + p lies in its data: at u * unitStride + r * runStride + p. */
function layoutOf(b: NetBatch): { runs: number; runLength: number; unitStride: number; runStride: number } {
  if (!b.itemMajor) return { runs: 1, runLength: b.samples, unitStride: b.samples, runStride: 0 };
  const { items, positions } = b.itemMajor;
  return { runs: items, runLength: positions, unitStride: positions, runStride: b.units * positions };
}

/** Unit u's value at sample s of a batch, in either layout. */
function valueAt(b: NetBatch, u: number, s: number): number {
  if (!b.itemMajor) return b.data[u * b.samples + s];
  const { positions } = b.itemMajor;
  return b.data[(Math.floor(s / positions) * b.units + u) * positions + (s % positions)];
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
        : `net ${net}, layer ${layer}: unit ${unit} has ${withArticle(String(value))} mean over samples ${sample.from}..${sample.to - 1} (which sample is unknown: the batch was reduced on the device); activations must be finite`,
    );
    this.name = 'NonFiniteActivationError';
  }
}

/** A LayerAccumulator's whole state: the moments of the shifted values, the shift, and what fed it. */
export interface MomentsSnapshot {
  n: number;
  d: number;
  /** Mean of the shifted values (the shift is added back only in result()). */
  mean: Float64Array;
  m2: Float64Array;
  /** Per unit, the first batch's mean (null before the first batch, or when fed reduced moments). */
  shift: Float64Array | null;
  feed: 'data' | 'moments' | null;
  /** Per net, the precision of what it fed so far (null: nothing yet). */
  dtypes: (ActivationDtype | null)[];
}

export class LayerAccumulator {
  readonly d: number;
  private readonly offsets: number[];
  private shift: Float64Array | undefined;
  private readonly total: BatchMoments;
  /** How batches arrive: as data (add) or as reduced moments (addMoments); set by the first. */
  private feed: 'data' | 'moments' | undefined;
  /** Per net, the precision of its activations so far (reduced moments come from float32). */
  private readonly netDtypes: (ActivationDtype | undefined)[] = [];
  /** See jointBuffer(). */
  private joint: Float32Array | undefined;
  /** Samples of the layer before this accumulator's first (a block's start), for the samples errors name. */
  private sampleBase = 0;
  /** Gathering: the most samples kept before they are merged (0: every batch is merged as it comes). */
  private gatherCapacity = 0;
  /** Samples gathered in `joint` (rows of gatherCapacity) and not merged yet. */
  private gathered = 0;

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
    // Merges keep the upper triangle only (BatchMoments.upperOnly); the state is made whole where it is handed out (whole()).
    this.total = { ...emptyMoments(d), upperOnly: true };
  }

  /** The total with its co-moments mirrored below the diagonal, as snapshots and results hand it out. */
  private whole(): BatchMoments {
    mirrorUpper(this.total);
    return this.total;
  }

  /**
   * Adds one batch: one NetBatch per net, in the order of `nets`, all with the same sample count.
   * `maxima` (batch-first batches only): per net, filled with each item's maximum over its positions
   * and the first position holding it, at [u * items + i], as planeMaxima (./reducers/topk.ts)
   * gives them: the top-k reducer's input, found in the same pass over the values.
   */
  async add(batches: NetBatch[], maxima?: ItemMaxima[]): Promise<void> {
    if (batches.length !== this.nets.length) throw new Error(`layer ${this.layer}: expected ${this.nets.length} nets in a batch`);
    const n = batches[0].samples;
    for (let k = 0; k < batches.length; k++) {
      const b = batches[k];
      const net = this.nets[k];
      if (b.units !== net.units) throw new Error(`net ${net.name}, layer ${this.layer}: batch has ${b.units} units, expected ${net.units}`);
      if (b.samples !== n) {
        throw new Error(`layer ${this.layer}: net ${net.name} gave ${b.samples} samples in a batch where net ${this.nets[0].name} gave ${n}`);
      }
      if (b.data.length !== b.units * n || (b.itemMajor && b.itemMajor.items * b.itemMajor.positions !== n)) {
        throw new Error(`net ${net.name}, layer ${this.layer}: a batch of ${b.data.length} values for ${b.units} units x ${n} samples${b.itemMajor ? ` (${b.itemMajor.items} items x ${b.itemMajor.positions} positions)` : ''}`);
      }
      if (maxima && (!b.itemMajor || maxima[k].values.length !== b.units * b.itemMajor.items || maxima[k].positions.length !== b.units * b.itemMajor.items)) {
        throw new Error(`net ${net.name}, layer ${this.layer}: per-item maxima need a batch-first batch and ${b.units} units x its items slots`);
      }
    }
    if (n === 0) return;
    this.setFeed('data');
    batches.forEach((b, k) => this.noteDtype(k, b.data instanceof Float64Array ? 'float64' : 'float32'));
    this.shift ??= this.firstBatchMeans(batches, n);
    // Gathered: this batch's values go after those gathered (rows of gatherCapacity samples).
    const gathering = this.gatherCapacity > 0 && n <= this.gatherCapacity;
    if (this.gathered > 0 && (!gathering || this.gathered + n > this.gatherCapacity)) await this.flush();
    const stride = gathering ? this.gatherCapacity : n;
    const at = gathering ? this.gathered : 0;
    const firstSample = this.sampleBase + this.total.n + this.gathered;
    const joint = this.jointBuffer(stride);
    const exponents = new Int32Array(this.d);
    let scaled = false;
    for (let k = 0; k < batches.length; k++) {
      const { data, units } = batches[k];
      const { runs, runLength, unitStride, runStride } = layoutOf(batches[k]);
      const base = this.offsets[k];
      const best = maxima?.[k];
      for (let u = 0; u < units; u++) {
        const c = this.shift[base + u];
        const dst = (base + u) * stride + at;
        let largest = 0;
        // Unit-major: one run of n samples; batch-first: a run of positions per item (transposed here, in the same pass).
        for (let r = 0; r < runs; r++) {
          const src = u * unitStride + r * runStride;
          const out = dst + r * runLength;
          let top = data[src];
          let topAt = 0;
          for (let p = 0; p < runLength; p++) {
            const v = data[src + p];
            // v - v is NaN exactly when v is NaN or infinite: one test catches both.
            if (v - v !== 0) throw new NonFiniteActivationError(this.nets[k].name, this.layer, u, firstSample + r * runLength + p, v);
            const x = v - c;
            joint[out + p] = x;
            if (x > largest) largest = x;
            else if (-x > largest) largest = -x;
            if (v > top) {
              top = v;
              topAt = p;
            }
          }
          if (best) {
            best.values[u * runs + r] = top;
            best.positions[u * runs + r] = topAt;
          }
        }
        if (largest !== 0 && (largest > UNSCALED_MAX || largest < UNSCALED_MIN)) {
          this.checkRange(k, u, batches[k], n, c, largest, firstSample);
          // Rewritten from the source: x rounded to float32 above may have overflowed.
          const e = exponentOf(largest);
          const scale = ldexp(1, -e);
          for (let s = 0; s < n; s++) joint[dst + s] = (valueAt(batches[k], u, s) - c) * scale;
          exponents[base + u] = e;
          scaled = true;
        }
      }
    }
    if (gathering && !scaled) {
      this.gathered += n;
      return;
    }
    // A scaled batch is merged on its own (its units' scales are its own): taken out of the
    // gathered rows, which are merged first.
    const batch = gathering ? this.takeColumns(joint, stride, at, n) : joint;
    if (gathering) await this.flush();
    // Merged into the total by the kernel a block of rows at a time, scaled units scaled back on
    // the way: no second d x d matrix, here or in the kernel.
    await accumulateBatch(this.kernel, this.total, batch, this.d, n, scaled ? exponents : undefined);
  }

  /**
   * Gathers batches of up to `samples` samples before merging them (see the top of this file); 0
   * merges every batch as it comes. Set before the first batch, or when nothing is gathered.
   */
  gather(samples: number): this {
    if (!Number.isInteger(samples) || samples < 0) throw new Error(`layer ${this.layer}: gather takes a sample count, got ${samples}`);
    if (this.gathered > 0) throw new Error(`layer ${this.layer}: cannot change the gathering while ${this.gathered} samples are gathered`);
    this.gatherCapacity = samples;
    return this;
  }

  /** Samples gathered and not merged yet (0 when not gathering). */
  pendingSamples(): number {
    return this.gathered;
  }

  /** Merges the gathered samples as one batch (nothing when none are gathered). */
  async flush(): Promise<void> {
    const n = this.gathered;
    if (n === 0) return;
    const cap = this.gatherCapacity;
    const joint = this.joint!;
    // Rows of cap samples, n used: packed to rows of n in place (each row moves down, in order).
    if (n < cap) for (let i = 1; i < this.d; i++) joint.copyWithin(i * n, i * cap, i * cap + n);
    this.gathered = 0;
    await accumulateBatch(this.kernel, this.total, joint.subarray(0, this.d * n), this.d, n);
  }

  /** Columns [at, at + n) of d rows of `stride` (a copy, unit-major d x n). */
  private takeColumns(rows: Float32Array, stride: number, at: number, n: number): Float32Array {
    const out = new Float32Array(this.d * n);
    for (let i = 0; i < this.d; i++) out.set(rows.subarray(i * stride + at, i * stride + at + n), i * n);
    return out;
  }

  /** Refuses to hand out the state while samples are gathered: it would leave them out. */
  private checkFlushed(what: string): void {
    if (this.gathered > 0) throw new Error(`layer ${this.layer}: ${what} with ${this.gathered} samples gathered and not merged; flush() first`);
  }

  /**
   * The float32 batch handed to the kernel, reused from batch to batch: allocating (and zeroing)
   * d x n floats per batch cost about as much as the shift pass itself (d = 256, n = 32768: 20 ms
   * of 45). Every kernel has finished with it when batchMoments resolves (the contract), and a
   * buffer a kernel detached (transferred) is replaced.
   */
  private jointBuffer(n: number): Float32Array {
    const length = this.d * n;
    if (!this.joint || this.joint.buffer.byteLength === 0 || this.joint.buffer.byteLength < length * 4) this.joint = new Float32Array(length);
    return this.joint.length === length ? this.joint : this.joint.subarray(0, length);
  }

  /** Refuses a unit whose largest deviation from its shift is out of float64's safe range, naming the sample. */
  private checkRange(k: number, u: number, batch: NetBatch, n: number, c: number, largest: number, firstSample: number): void {
    let at = 0;
    while (at < n - 1 && Math.abs(valueAt(batch, u, at) - c) !== largest) at++;
    checkDeviation(largest, { net: this.nets[k].name, layer: this.layer, unit: u, sample: firstSample + at, value: valueAt(batch, u, at), shift: c });
  }

  /**
   * Adds the moments of one batch of the stacked nets (d = the sum of their units, net 0's units
   * first), reduced elsewhere. A non-finite mean is refused, naming the net, layer and unit;
   * nothing is merged then. The kernel redoes in float64 any batch whose values leave float32's
   * range, so a non-finite mean means non-finite activations; a non-finite variance with finite
   * means cannot come from finite float32 activations and is refused too, naming the unit.
   */
  addMoments(batch: BatchMoments): void {
    const { d } = this;
    if (batch.d !== d || batch.mean.length !== d || batch.m2.length !== d * d) {
      throw new Error(`layer ${this.layer}: batch moments of ${batch.d} units (${batch.mean.length} means, ${batch.m2.length} co-moments), expected ${d} (${this.nets.map((n) => `${n.name} ${n.units}`).join(' + ')})`);
    }
    if (batch.n === 0) return;
    const range = { from: this.total.n, to: this.total.n + batch.n };
    for (let i = 0; i < d; i++) {
      const { k, unit } = unitAtOffset(this.offsets, i);
      const mean = batch.mean[i];
      if (!Number.isFinite(mean)) throw new NonFiniteActivationError(this.nets[k].name, this.layer, unit, range, mean);
      const m2 = batch.m2[i * d + i];
      if (!Number.isFinite(m2)) {
        throw new Error(`net ${this.nets[k].name}, layer ${this.layer}: unit ${unit} has ${withArticle(String(m2))} sum of squared deviations over samples ${range.from}..${range.to - 1} (finite mean ${mean}); the moments of finite activations cannot overflow float64, so the kernel's result is wrong`);
      }
    }
    this.setFeed('moments');
    this.nets.forEach((_, k) => this.noteDtype(k, 'float32'));
    mergeMomentsInto(this.total, batch);
  }

  private setFeed(feed: 'data' | 'moments'): void {
    if (this.feed && this.feed !== feed) throw new Error(`layer ${this.layer}: batches were added as ${this.feed}; cannot mix in batches of ${feed}`);
    this.feed = feed;
  }

  /** The net and net-local unit of stacked unit i. */
  private noteDtype(k: number, dtype: ActivationDtype): void {
    // A net fed float32 in one batch and float64 in another has float32 precision.
    const seen = this.netDtypes[k];
    this.netDtypes[k] = seen === 'float32' || dtype === 'float32' ? 'float32' : 'float64';
  }

  /** Per net (by name), the precision of the activations it fed: float64 only if every batch was. */
  dtypes(): Record<string, ActivationDtype> {
    return Object.fromEntries(this.nets.map((net, k) => [net.name, this.netDtypes[k] ?? 'float32']));
  }

  /**
   * Per unit, the first batch's mean, as x_0 + mean(x - x_0) (x_0 its first value): a constant
   * unit gets exactly its value, so it centres to exact zeros (even 1e-60 in float64, whose
   * plain mean would leave a residue below the range the accumulator accepts).
   */
  /**
   * Sets the shift from `batches` (the first batch of the whole data) before any batch is added:
   * a part of a sharded probe, which starts elsewhere, then shifts exactly as the whole probe
   * would, so each of its batches meets the kernel as the whole probe's same batch does and the
   * merged moments equal the whole probe's to float64 rounding.
   */
  shiftLike(batches: NetBatch[]): void {
    if (this.total.n > 0 || this.shift) throw new Error(`layer ${this.layer}: the shift is set before the first batch`);
    if (batches[0].samples > 0) this.shift = this.firstBatchMeans(batches, batches[0].samples);
  }

  private firstBatchMeans(batches: NetBatch[], n: number): Float64Array {
    const shift = new Float64Array(this.d);
    for (let k = 0; k < batches.length; k++) {
      const { data, units } = batches[k];
      const { runs, runLength, unitStride, runStride } = layoutOf(batches[k]);
      for (let u = 0; u < units; u++) {
        const x0 = valueAt(batches[k], u, 0);
        let s = 0;
        // In sample order, whichever the layout: the same sum, so the same shift.
        for (let r = 0; r < runs; r++) for (let i = u * unitStride + r * runStride, end = i + runLength; i < end; i++) s += data[i] - x0;
        const mean = x0 + s / n;
        // Round the shift to float32 when the data is float32, so v - c is exact (Sterbenz)
        // for values near the mean. A non-finite mean (non-finite data, or spreads beyond
        // float64) leaves shift 0; add() then refuses the unit, naming the value.
        shift[this.offsets[k] + u] = Number.isFinite(mean) ? (data instanceof Float32Array ? Math.fround(mean) : mean) : 0;
      }
    }
    return shift;
  }

  /**
   * The whole state, exactly (for checkpoints): restore() from it continues as if never stopped.
   * The arrays are the accumulator's own (no copy: a checkpoint of a large layer must not double
   * its memory); they are valid until the next add.
   */
  snapshot(): MomentsSnapshot {
    this.checkFlushed('a snapshot');
    const total = this.whole();
    return { n: total.n, d: this.d, mean: total.mean, m2: total.m2, shift: this.shift ?? null, feed: this.feed ?? null, dtypes: this.nets.map((_, k) => this.netDtypes[k] ?? null) };
  }

  /** An accumulator continuing from `snapshot` (which it takes over: the arrays are not copied). */
  static restore(layer: string, nets: { name: string; units: number }[], kernel: MomentKernel, snapshot: MomentsSnapshot): LayerAccumulator {
    const acc = new LayerAccumulator(layer, nets, kernel);
    if (snapshot.d !== acc.d || snapshot.mean.length !== acc.d || snapshot.m2.length !== acc.d * acc.d || (snapshot.shift && snapshot.shift.length !== acc.d)) {
      throw new Error(`layer ${layer}: a saved state of ${snapshot.d} units does not fit ${acc.d} (${nets.map((n) => `${n.name} ${n.units}`).join(' + ')})`);
    }
    acc.total.n = snapshot.n;
    acc.total.mean = snapshot.mean;
    acc.total.m2 = snapshot.m2;
    acc.shift = snapshot.shift ?? undefined;
    acc.feed = snapshot.feed ?? undefined;
    snapshot.dtypes.forEach((dtype, k) => (acc.netDtypes[k] = dtype ?? undefined));
    return acc;
  }

  /** Sets the shift from `batches` as add() would if they were the first batch (nothing when it is set). */
  shiftFrom(batches: NetBatch[]): void {
    if (!this.shift && batches[0].samples > 0) this.shift = this.firstBatchMeans(batches, batches[0].samples);
  }

  /**
   * A block of this layer (src/probe/blocks.ts): an accumulator of the same nets with this one's
   * shift (shiftFrom() sets it), whose errors count samples from this one's, and which absorb()
   * takes back when the block ends.
   */
  block(): LayerAccumulator {
    if (!this.shift) throw new Error(`layer ${this.layer}: a block begins before the layer's shift is set`);
    const block = new LayerAccumulator(this.layer, this.nets, this.kernel);
    block.shift = this.shift;
    block.sampleBase = this.sampleBase + this.total.n;
    block.gatherCapacity = this.gatherCapacity;
    return block;
  }

  /** A block's accumulator restored from a checkpoint, continuing as block() made it. */
  restoreBlock(snapshot: MomentsSnapshot): LayerAccumulator {
    const block = LayerAccumulator.restore(this.layer, this.nets, this.kernel, snapshot);
    block.gatherCapacity = this.gatherCapacity;
    if (!this.shift || !block.shift || block.shift.some((c, i) => c !== this.shift![i])) throw new Error(`layer ${this.layer}: the saved block was shifted unlike the layer`);
    block.sampleBase = this.sampleBase + this.total.n;
    return block;
  }

  /** Merges a finished block (made by block()) into this total: the pairwise float64 update, as merge does for parts. */
  absorb(block: LayerAccumulator): void {
    block.checkFlushed('a block absorbed');
    if (block.shift !== this.shift && !(block.shift && this.shift && block.shift.every((c, i) => c === this.shift![i]))) throw new Error(`layer ${this.layer}: a block shifted unlike the layer`);
    if (block.total.n === 0) return;
    this.setFeed('data');
    block.netDtypes.forEach((dtype, k) => dtype && this.noteDtype(k, dtype));
    mergeMomentsInto(this.total, block.total);
  }

  /** The per-unit shift subtracted before the kernel (set by the first batch or shiftLike; undefined before, or when fed reduced moments). */
  currentShift(): Float64Array | undefined {
    return this.shift;
  }

  /** The joint moments over everything added so far (a copy, mean with the shift added back). */
  result(): BatchMoments {
    const out = this.resultView();
    return { ...out, m2: new Float64Array(out.m2) };
  }

  /**
   * The joint moments as result() gives them, but m2 is the accumulator's own matrix, not a copy
   * (valid until the next add): writing a finished layer must not double its memory.
   */
  resultView(): BatchMoments {
    this.checkFlushed('the result');
    const total = this.whole();
    const mean = new Float64Array(total.mean);
    if (this.shift) for (let i = 0; i < this.d; i++) mean[i] += this.shift[i];
    return { n: total.n, d: this.d, mean, m2: total.m2 };
  }
}
