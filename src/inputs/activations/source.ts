// Reading a net's layers: `readBatches` streams one layer in batches, double-buffered (the next
// chunk is read while the current one is transposed and consumed). Every handle an iteration
// opens is closed when it ends, breaks, throws, or when the source is closed.

import { open, type FileHandle } from 'node:fs/promises';
import type { NetErrorContext } from './errors.js';
import type { Filler } from './filler.js';
import { interleaveItems } from './interleave.js';
import { PositionalFiller } from './positional-filler.js';
import type { LayerRecord } from './record.js';
import { StreamFiller } from './stream-filler.js';
import type { ActivationBatch, FileNetSource, LayerInfo, ReadBatchesOptions, RejectedLayer } from './types.js';
import { HOST_LITTLE } from './validate.js';

/** Raw (file-layout) data is read in chunks of whole items of at most this many bytes. */
const RAW_CHUNK = 8 << 20;

/** One running `readBatches` iteration, so that `close()` can release it. */
class ActiveRead {
  private disposed = false;
  private disposing: Promise<void> | null = null;
  pending: Promise<unknown> | null = null;
  constructor(readonly filler: Filler) {}
  get isDisposed(): boolean {
    return this.disposed;
  }
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposed = true;
      this.disposing = (async () => {
        if (this.pending) await this.pending.catch(() => undefined);
        await this.filler.dispose();
      })();
    }
    return this.disposing;
  }
}

export class FileNetSourceImpl implements FileNetSource {
  private readonly byName = new Map<string, LayerRecord>();
  private readonly active = new Set<ActiveRead>();
  private closed = false;

  constructor(
    private readonly ctx: NetErrorContext,
    readonly kind: 'directory' | 'npz',
    private readonly records: LayerRecord[],
    readonly rejected: readonly RejectedLayer[],
  ) {
    for (const r of records) this.byName.set(r.info.name, r);
  }

  get name(): string {
    return this.ctx.net;
  }
  get path(): string {
    return this.ctx.netPath;
  }

  layers(): LayerInfo[] {
    return this.records.map((r) => ({ ...r.info, shape: [...r.info.shape] }));
  }

  readBatches(layer: string, options: ReadBatchesOptions): AsyncIterable<ActivationBatch> {
    const { batchSamples, limitSamples, startSamples = 0 } = options;
    if (!Number.isSafeInteger(batchSamples) || batchSamples < 1) {
      throw new RangeError(`readBatches: batchSamples must be a positive integer, got ${batchSamples}`);
    }
    if (limitSamples !== undefined && (!Number.isSafeInteger(limitSamples) || limitSamples < 0)) {
      throw new RangeError(`readBatches: limitSamples must be a non-negative integer, got ${limitSamples}`);
    }
    if (!Number.isSafeInteger(startSamples) || startSamples < 0) throw new RangeError(`readBatches: startSamples must be a non-negative integer, got ${startSamples}`);
    if (this.closed) throw this.ctx.err('CLOSED', this.ctx.netPath, layer, 'the source is closed');
    const rec = this.byName.get(layer);
    if (!rec) {
      const rej = this.rejected.find((r) => r.name === layer);
      if (rej) throw rej.error;
      const avail = this.records.map((r) => r.info.name).join(', ');
      throw this.ctx.err('NO_SUCH_LAYER', this.ctx.netPath, layer, `no layer ${layer}; available layers: ${avail}`);
    }
    // A fresh iteration (and file handle) each time it is iterated.
    if (startSamples % Math.max(1, rec.info.samplesPerItem) !== 0) {
      throw new RangeError(`readBatches: layer ${layer} starts at sample ${startSamples}, inside an item of ${rec.info.samplesPerItem} positions`);
    }
    return { [Symbol.asyncIterator]: () => this.iterate(rec, batchSamples, limitSamples, startSamples) };
  }

  private async *iterate(rec: LayerRecord, batchSamples: number, limitSamples: number | undefined, startSamples: number): AsyncGenerator<ActivationBatch> {
    const info = rec.info;
    const C = info.units;
    const hw = info.samplesPerItem;
    // From here on, items and samples count from the first item read (startSamples / hw).
    const firstItem = hw === 0 ? 0 : startSamples / hw;
    const total = Math.max(0, Math.min(limitSamples ?? info.samples, info.samples) - startSamples);
    if (total === 0 || hw === 0) return;
    const itemsNeeded = Math.ceil(total / hw);
    const perBatch = Math.min(itemsNeeded, hw === 1 ? batchSamples : Math.max(1, Math.floor(batchSamples / hw)));
    const bpv = rec.bytesPerValue;
    const itemBytes = C * hw * bpv;
    const full = total === info.samples && firstItem === 0;

    const closedErr = () => this.ctx.err('CLOSED', info.source, info.name, 'the source was closed while reading');
    if (this.closed) throw closedErr();
    let fh: FileHandle;
    try {
      fh = await open(rec.file, 'r');
    } catch (e) {
      throw this.ctx.err('IO', info.source, info.name, (e as Error).message, e);
    }
    if (this.closed) {
      await fh.close();
      throw closedErr();
    }
    const filler: Filler =
      rec.access === 'file'
        ? new PositionalFiller(fh, rec.dataStart, rec, this.ctx, full && rec.entry !== undefined && rec.headerBytes !== undefined)
        : new StreamFiller(fh, rec, this.ctx);
    const run = new ActiveRead(filler);
    this.active.add(run);
    if (firstItem > 0) {
      try {
        await filler.skip(firstItem * itemBytes);
      } catch (e) {
        this.active.delete(run);
        await run.dispose();
        throw e;
      }
    }

    // The file is read in chunks of whole items, at most RAW_CHUNK bytes (one item if an item is
    // larger), double-buffered: the next chunk is being read while the current one is transposed
    // into its batch and while the consumer works on a finished batch. So memory is one output
    // batch plus two chunks, whatever the batch size.
    const chunkItems = Math.max(1, Math.min(perBatch, Math.floor(RAW_CHUNK / itemBytes)));
    const raws = [new Uint8Array(new ArrayBuffer(chunkItems * itemBytes)), new Uint8Array(new ArrayBuffer(chunkItems * itemBytes))];
    const swap = rec.byteOrder === (HOST_LITTLE ? 'big' : 'little');
    // Chunks [first item, item count], never crossing a batch boundary.
    function* plan(): Generator<[number, number]> {
      for (let b0 = 0; b0 < itemsNeeded; b0 += perBatch) {
        const b1 = Math.min(itemsNeeded, b0 + perBatch);
        for (let i0 = b0; i0 < b1; i0 += chunkItems) yield [i0, Math.min(chunkItems, b1 - i0)];
      }
    }
    const start = (slot: number, items: number): Promise<void> => {
      const p = filler.fill(raws[slot]!, items * itemBytes);
      run.pending = p;
      p.catch(() => undefined); // awaited below; avoid an unhandled rejection if the consumer stops
      return p;
    };
    const settle = async (p: Promise<void>): Promise<void> => {
      try {
        await p;
      } catch (e) {
        if (run.isDisposed) throw closedErr();
        throw e;
      }
      if (run.isDisposed) throw closedErr();
    };
    try {
      const chunks = plan();
      let cur = chunks.next();
      let slot = 0;
      let pending: Promise<void> | null = cur.done ? null : start(slot, cur.value[1]);
      let out: Float32Array | Float64Array | null = null;
      let outSamples = 0;
      while (!cur.done) {
        const [i0, k] = cur.value;
        await settle(pending!);
        const raw = raws[slot]!;
        const nxt = chunks.next();
        if (!nxt.done) {
          slot ^= 1;
          pending = start(slot, nxt.value[1]);
        } else {
          pending = null;
          run.pending = null;
        }
        const b0 = Math.floor(i0 / perBatch) * perBatch;
        const b1 = Math.min(itemsNeeded, b0 + perBatch);
        if (i0 === b0) {
          outSamples = Math.min((b1 - b0) * hw, total - b0 * hw);
          out = bpv === 4 ? new Float32Array(C * outSamples) : new Float64Array(C * outSamples);
        }
        const nbytes = k * itemBytes;
        if (swap) {
          const b = Buffer.from(raw.buffer, 0, nbytes);
          if (bpv === 4) b.swap32();
          else b.swap64();
        }
        const src = bpv === 4 ? new Float32Array(raw.buffer, 0, nbytes / 4) : new Float64Array(raw.buffer, 0, nbytes / 8);
        const col = (i0 - b0) * hw;
        const samples = Math.min(k * hw, total - i0 * hw);
        const fullItems = Math.floor(samples / hw);
        interleaveItems(src, out!, fullItems, C, hw, outSamples, col);
        const partial = samples - fullItems * hw;
        if (partial > 0) {
          // The last item of a limited read: only its first `partial` positions.
          const s0 = fullItems * C * hw;
          const d0 = col + fullItems * hw;
          for (let c = 0; c < C; c++) out!.set(src.subarray(s0 + c * hw, s0 + c * hw + partial), c * outSamples + d0);
        }
        if (i0 + k === b1) {
          if (nxt.done && full) await settle(filler.finishFull());
          const batch: ActivationBatch = { data: out!, units: C, samples: outSamples };
          out = null;
          yield batch;
        }
        cur = nxt;
      }
    } finally {
      this.active.delete(run);
      await run.dispose();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.active];
    this.active.clear();
    await Promise.all(runs.map((r) => r.dispose()));
  }
}
