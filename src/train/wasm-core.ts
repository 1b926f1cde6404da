// The host side of the WASM trainer: lays out every buffer of one net once, and runs training
// steps, epochs and evaluation through the kernels of assembly/train (and the forward GEMM).
//
// `wasmTrainerCore` is SELF-CONTAINED: it references nothing outside its own body (types only),
// because worker threads run its source text (Function.prototype.toString, see
// src/train/worker-pool.ts). The main thread calls the very same function, so a net trained in a
// worker and one trained in-thread run identical code and end with identical bytes.
//
// Memory (bytes from the module's heap base, each buffer 16-byte aligned):
//   params | grads | the other shard's grads | velocity | input | labels (i32) | per layer:
//   output, output gradient, conv column matrices (one per sample, kept for the backward pass),
//   conv dcol scratch, maxpool argmax (i32); per-sample buffers hold one shard (below):
//   ceil(maxBatch / 2) samples.
// ReLU layers work in place: their output is their input's buffer and their input gradient is
// their output gradient's buffer. The first layer computes no input gradient.
//
// Shards: every batch is split into two halves (the first ceil(n / 2) samples, then the rest),
// whose gradients are computed separately and added (the loss gradient already scaled by 1 / n).
// One thread computes both halves in turn; a pair of workers computes one half each and swaps
// gradients through shared memory (pairEpoch). IEEE addition commutes, so both workers and the
// single thread end each step with the same bits: the weights depend on the seed, not on how
// many threads trained the net.
import type { WasmExports } from '../kernels/wasm-module.js';
import type { NetSpec } from './model.js';

export interface CoreHyper {
  lr: number;
  /**
   * In epoch(): the learning rate reached at the end of the epoch, linear in the samples done
   * (a schedule that decays over the run hands each epoch its stretch); default lr.
   */
  lrEnd?: number;
  momentum: number;
  weightDecay: number;
}

/** Shared memory through which the two workers of a pair swap gradients each step. */
export interface PairExchange {
  /** 2 (step parity) x 2 (rank) slots of paramCount floats, on a SharedArrayBuffer. */
  grads: Float32Array;
  /** 2 x 2 summed shard losses. */
  losses: Float64Array;
  /** [arrived, generation, failed]: a barrier, and the flag a failing worker raises. */
  control: Int32Array;
}

export interface WasmTrainerCore {
  readonly maxBatch: number;
  setParams(params: Float32Array): void;
  /** A copy of the parameters. */
  getParams(): Float32Array;
  setVelocity(v: Float32Array): void;
  getVelocity(): Float32Array;
  /**
   * One SGD step on the samples order[start .. start + n) of `images` (count x inSize) and
   * `labels`; returns the batch's mean loss before the update.
   */
  step(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number, hyper: CoreHyper): number;
  /** Mean loss and its gradient (a copy) on those samples, without updating anything. */
  gradient(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number): { loss: number; grad: Float32Array };
  /**
   * One epoch over `order` in batches of `batch` (the last one smaller when it does not divide);
   * onBatch(done) after every batch. Returns the mean loss over the epoch's samples.
   */
  epoch(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, batch: number, hyper: CoreHyper, onBatch?: (done: number) => void): number;
  /**
   * The epoch of `epoch` computed by a pair of workers, this one being `rank` (0 or 1): each
   * computes its half of every batch and they swap gradients through `exchange`. Returns the mean
   * loss (both ranks the same).
   */
  pairEpoch(images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, batch: number, hyper: CoreHyper, rank: number, exchange: PairExchange, onBatch?: (done: number) => void): number;
  /** Logits (n x classes, a copy) of items begin .. end - 1. */
  logits(images: Float32Array, begin: number, end: number): Float32Array;
  /** Correct predictions (argmax, first maximum on ties) and summed loss over items begin .. end - 1. */
  evaluate(images: Float32Array, labels: ArrayLike<number>, begin: number, end: number): { correct: number; lossSum: number; count: number };
}

/**
 * A trainer for `spec` on one WASM instance (`exports` of build/convergent.wasm), for batches of
 * at most `maxBatch` samples.
 */
export function wasmTrainerCore(exports: WasmExports, spec: NetSpec, maxBatch: number): WasmTrainerCore {
  const e = exports;
  const memory = e.memory;
  const layers = spec.layers;
  const L = layers.length;
  const P = spec.paramCount;
  const inSize = layers[0].inSize;
  const classes = spec.classes;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new Error(`wasm trainer: batch must be a positive integer, got ${maxBatch}`);
  // Samples of one shard, the most any forward pass holds.
  const cap = Math.ceil(maxBatch / 2);

  // Bump allocation from the heap base.
  let end = (Number(e.heapBase()) + 15) & ~15;
  const alloc = (bytes: number): number => {
    const at = end;
    end = (end + bytes + 15) & ~15;
    return at;
  };
  const params = alloc(4 * P);
  const grads = alloc(4 * P);
  const gradOther = alloc(4 * P);
  const velocity = alloc(4 * P);
  const input = alloc(4 * cap * inSize);
  const labelBuf = alloc(4 * cap);
  const out: number[] = new Array(L);
  const dOut: number[] = new Array(L);
  const col: number[] = new Array(L).fill(0);
  const colStride: number[] = new Array(L).fill(0);
  const dcol: number[] = new Array(L).fill(0);
  const arg: number[] = new Array(L).fill(0);
  for (let i = 0; i < L; i++) {
    const l = layers[i];
    out[i] = l.kind === 'relu' ? (i === 0 ? input : out[i - 1]) : alloc(4 * cap * l.outSize);
    if (l.kind === 'conv') {
      const cols = l.inShape[0] * l.kernel * l.kernel * l.outShape[1] * l.outShape[2];
      colStride[i] = 4 * cols;
      col[i] = alloc(4 * cols * cap);
      if (i > 0) dcol[i] = alloc(4 * cols);
    } else if (l.kind === 'maxpool') {
      arg[i] = alloc(4 * cap * l.outSize);
    }
  }
  // Gradients, from the last layer back: a ReLU's input gradient is its output gradient.
  dOut[L - 1] = alloc(4 * cap * classes);
  for (let i = L - 1; i > 0; i--) dOut[i - 1] = layers[i].kind === 'relu' ? dOut[i] : alloc(4 * cap * layers[i].inSize);
  const needPages = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
  if (needPages > 0) memory.grow(needPages);

  const f32 = (at: number, n: number) => new Float32Array(memory.buffer, at, n);
  const i32 = (at: number, n: number) => new Int32Array(memory.buffer, at, n);
  const paramView = f32(params, P);
  const gradView = f32(grads, P);
  const gradOtherView = f32(gradOther, P);
  const velocityView = f32(velocity, P);
  const inputView = f32(input, cap * inSize);
  const labelView = i32(labelBuf, cap);
  const logitsView = f32(out[L - 1], cap * classes);
  velocityView.fill(0);

  const gatherInputs = (images: Float32Array, order: ArrayLike<number> | null, start: number, n: number) => {
    for (let j = 0; j < n; j++) {
      const item = order ? order[start + j] : start + j;
      const from = item * inSize;
      if (!(from >= 0 && from + inSize <= images.length)) throw new Error(`wasm trainer: sample ${item} is outside the ${images.length / inSize} images`);
      inputView.set(images.subarray(from, from + inSize), j * inSize);
    }
  };
  const gatherLabels = (labels: ArrayLike<number>, order: ArrayLike<number> | null, start: number, n: number) => {
    for (let j = 0; j < n; j++) {
      const item = order ? order[start + j] : start + j;
      const label = labels[item];
      if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new Error(`wasm trainer: sample ${item} has label ${label}, outside 0..${classes - 1}`);
      labelView[j] = label;
    }
  };

  // keep: store every sample's column matrix (a backward pass follows); else reuse one.
  const forward = (n: number, keep: boolean) => {
    let x = input;
    for (let i = 0; i < L; i++) {
      const l = layers[i];
      const y = out[i];
      if (l.kind === 'conv') {
        const [C, H, W] = l.inShape;
        const [M, OH, OW] = l.outShape;
        e.trainConvForward(x, n, C, H, W, params + 4 * l.weight.offset, params + 4 * l.bias.offset, M, l.kernel, l.stride, l.pad, OH, OW, col[i], keep ? colStride[i] : 0, y);
      } else if (l.kind === 'relu') {
        e.trainReluForward(x, n * l.inSize);
      } else if (l.kind === 'maxpool') {
        const [C, H, W] = l.inShape;
        const [, OH, OW] = l.outShape;
        e.trainMaxPoolForward(x, n * C, H, W, l.kernel, l.stride, OH, OW, y, arg[i]);
      } else {
        e.trainFcForward(x, n, l.inSize, params + 4 * l.weight.offset, params + 4 * l.bias.offset, l.outSize, y);
      }
      x = y;
    }
  };

  // Loss (summed) and every parameter's gradient into `grads`, for n samples of a batch of `total`.
  const backward = (n: number, total: number): number => {
    const lossSum = Number(e.trainSoftmaxXent(out[L - 1], labelBuf, n, classes, 1 / total, dOut[L - 1]));
    for (let i = L - 1; i >= 0; i--) {
      const l = layers[i];
      const dy = dOut[i];
      const dx = i === 0 ? 0 : dOut[i - 1];
      if (l.kind === 'conv') {
        const [C, H, W] = l.inShape;
        const [M, OH, OW] = l.outShape;
        e.trainConvBackward(dy, n, C, H, W, params + 4 * l.weight.offset, M, l.kernel, l.stride, l.pad, OH, OW, col[i], colStride[i], grads + 4 * l.weight.offset, grads + 4 * l.bias.offset, dcol[i], dx);
      } else if (l.kind === 'relu') {
        e.trainReluBackward(out[i], dy, n * l.outSize);
      } else if (l.kind === 'maxpool') {
        if (dx !== 0) e.trainMaxPoolBackward(dy, arg[i], n * l.outSize, dx, n * l.inSize);
      } else {
        const x = i === 0 ? input : out[i - 1];
        e.trainFcBackward(dy, x, n, l.inSize, params + 4 * l.weight.offset, l.outSize, grads + 4 * l.weight.offset, grads + 4 * l.bias.offset, dx);
      }
    }
    return lossSum;
  };

  const checkBatch = (n: number) => {
    if (!(Number.isInteger(n) && n >= 1 && n <= maxBatch)) throw new Error(`wasm trainer: batch of ${n} samples, expected 1..${maxBatch}`);
  };
  /** Shard `shard` of the batch order[start .. start + n): its summed loss, its gradient in `grads`. */
  const shardGradient = (images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number, shard: number): number => {
    const h = Math.ceil(n / 2);
    const from = shard === 0 ? start : start + h;
    const m = shard === 0 ? h : n - h;
    gatherInputs(images, order, from, m);
    gatherLabels(labels, order, from, m);
    forward(m, true);
    return backward(m, n);
  };
  /** Both shards in turn: the summed loss; the batch's gradient in `grads`. */
  const batchGradient = (images: Float32Array, labels: ArrayLike<number>, order: ArrayLike<number>, start: number, n: number): number => {
    let loss = shardGradient(images, labels, order, start, n, 0);
    if (n > 1) {
      gradOtherView.set(gradView);
      loss += shardGradient(images, labels, order, start, n, 1);
      e.trainAddInto(grads, gradOther, P);
    }
    return loss;
  };
  const update = (h: CoreHyper) => e.trainSgd(params, grads, velocity, P, h.lr, h.momentum, h.weightDecay);
  /** The learning rate of the step starting at `start` of an epoch of `total` samples. */
  const stepHyper = (h: CoreHyper, start: number, total: number): CoreHyper => {
    const lrEnd = h.lrEnd ?? h.lr;
    return { lr: h.lr + (lrEnd - h.lr) * (start / total), momentum: h.momentum, weightDecay: h.weightDecay };
  };

  const core: WasmTrainerCore = {
    maxBatch,
    setParams(p) {
      if (p.length !== P) throw new Error(`wasm trainer: ${p.length} parameters given, the net has ${P}`);
      paramView.set(p);
    },
    getParams: () => paramView.slice(),
    setVelocity(v) {
      if (v.length !== P) throw new Error(`wasm trainer: ${v.length} velocities given, the net has ${P}`);
      velocityView.set(v);
    },
    getVelocity: () => velocityView.slice(),
    step(images, labels, order, start, n, h) {
      checkBatch(n);
      const lossSum = batchGradient(images, labels, order, start, n);
      update(h);
      return lossSum / n;
    },
    gradient(images, labels, order, start, n) {
      checkBatch(n);
      const loss = batchGradient(images, labels, order, start, n) / n;
      return { loss, grad: gradView.slice() };
    },
    epoch(images, labels, order, batch, h, onBatch) {
      checkBatch(batch);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += batch) {
        const n = Math.min(batch, order.length - start);
        lossSum += core.step(images, labels, order, start, n, stepHyper(h, start, order.length)) * n;
        onBatch?.(start + n);
      }
      return lossSum / order.length;
    },
    pairEpoch(images, labels, order, batch, h, rank, ex, onBatch) {
      checkBatch(batch);
      if (rank !== 0 && rank !== 1) throw new Error(`wasm trainer: pair rank ${rank}, expected 0 or 1`);
      if (ex.grads.length !== 4 * P || ex.losses.length !== 4 || ex.control.length < 3) throw new Error('wasm trainer: the pair exchange has the wrong sizes');
      const ctl = ex.control;
      const barrier = () => {
        const generation = Atomics.load(ctl, 1);
        if (Atomics.add(ctl, 0, 1) === 1) {
          Atomics.store(ctl, 0, 0);
          Atomics.add(ctl, 1, 1);
          Atomics.notify(ctl, 1);
          return;
        }
        while (Atomics.load(ctl, 1) === generation) {
          if (Atomics.load(ctl, 2) !== 0) throw new Error('wasm trainer: the other worker of the pair failed');
          Atomics.wait(ctl, 1, generation, 250);
        }
      };
      let lossSum = 0;
      try {
        let k = 0;
        for (let start = 0; start < order.length; start += batch, k++) {
          const n = Math.min(batch, order.length - start);
          // A batch of one sample is one shard: rank 1 then only takes rank 0's gradient.
          const idle = rank === 1 && n === 1;
          const slot = (k & 1) * 2;
          ex.losses[slot + rank] = idle ? 0 : shardGradient(images, labels, order, start, n, rank);
          if (!idle) ex.grads.set(gradView, (slot + rank) * P);
          barrier();
          const other = ex.grads.subarray((slot + 1 - rank) * P, (slot + 2 - rank) * P);
          if (n > 1) {
            gradOtherView.set(other);
            e.trainAddInto(grads, gradOther, P);
          } else if (rank === 1) {
            gradView.set(other);
          }
          update(stepHyper(h, start, order.length));
          lossSum += ex.losses[slot] + ex.losses[slot + 1];
          onBatch?.(start + n);
        }
      } catch (error) {
        Atomics.store(ctl, 2, 1);
        Atomics.notify(ctl, 1);
        throw error;
      }
      return lossSum / order.length;
    },
    logits(images, begin, endItem) {
      const result = new Float32Array((endItem - begin) * classes);
      for (let start = begin; start < endItem; start += cap) {
        const n = Math.min(cap, endItem - start);
        gatherInputs(images, null, start, n);
        forward(n, false);
        result.set(logitsView.subarray(0, n * classes), (start - begin) * classes);
      }
      return result;
    },
    evaluate(images, labels, begin, endItem) {
      let correct = 0;
      let lossSum = 0;
      for (let start = begin; start < endItem; start += cap) {
        const n = Math.min(cap, endItem - start);
        gatherInputs(images, null, start, n);
        gatherLabels(labels, null, start, n);
        forward(n, false);
        for (let s = 0; s < n; s++) {
          let best = 0;
          for (let k = 1; k < classes; k++) if (logitsView[s * classes + k] > logitsView[s * classes + best]) best = k;
          if (best === labelView[s]) correct++;
        }
        // The loss kernel also writes the logits' gradient, which nothing reads here.
        lossSum += Number(e.trainSoftmaxXent(out[L - 1], labelBuf, n, classes, 1 / n, dOut[L - 1]));
      }
      return { correct, lossSum, count: endItem - begin };
    },
  };
  return core;
}
