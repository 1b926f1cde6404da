// Inflates a deflated npz entry as a stream, skips its .npy header, and cuts the data into the
// reader's buffers; draining to the end lets the npz layer verify the size and CRC-32.

import type { FileHandle } from 'node:fs/promises';
import { NpzError, streamEntry } from '../npy/npz.js';
import { ActivationInputError, type ActivationErrorCode, type NetErrorContext } from './errors.js';
import { READ_PIECE, type Filler } from './filler.js';
import type { LayerRecord } from './record.js';

export class StreamFiller implements Filler {
  private it: AsyncGenerator<Buffer>;
  private rest: Uint8Array = new Uint8Array(0);
  /** The npy header's bytes at the entry's start, dropped before the data. */
  private headerLeft: number;
  constructor(
    private readonly fh: FileHandle,
    private readonly rec: LayerRecord,
    private readonly ctx: NetErrorContext,
  ) {
    this.it = streamEntry(fh, rec.file, rec.entry!, { chunkBytes: READ_PIECE, verify: true });
    this.headerLeft = rec.dataOffset;
  }
  private wrap(e: unknown): ActivationInputError {
    if (e instanceof ActivationInputError) return e;
    const what = e instanceof NpzError ? e.reason : ((e as Error).message ?? String(e));
    const code: ActivationErrorCode = /truncated/i.test(what) ? 'TRUNCATED' : 'CORRUPT';
    return this.ctx.err(code, this.rec.info.source, this.rec.info.name, what, e);
  }
  private async next(): Promise<Uint8Array | null> {
    let r;
    try {
      r = await this.it.next();
    } catch (e) {
      throw this.wrap(e);
    }
    return r.done ? null : r.value;
  }
  async fill(dst: Uint8Array, nbytes: number): Promise<void> {
    let got = 0;
    while (got < nbytes) {
      if (this.rest.length === 0) {
        const chunk = await this.next();
        if (!chunk) {
          throw this.ctx.err('TRUNCATED', this.rec.info.source, this.rec.info.name, `truncated: the entry ended before the data the header promises`);
        }
        this.rest = chunk;
        if (this.headerLeft > 0) {
          const k = Math.min(this.headerLeft, this.rest.length);
          this.rest = this.rest.subarray(k);
          this.headerLeft -= k;
          continue;
        }
      }
      const k = Math.min(this.rest.length, nbytes - got);
      dst.set(this.rest.subarray(0, k), got);
      this.rest = this.rest.subarray(k);
      got += k;
    }
  }
  async skip(nbytes: number): Promise<void> {
    // A deflated entry can only be inflated from its start: inflate and drop.
    const scratch = new Uint8Array(Math.min(nbytes, READ_PIECE));
    for (let done = 0; done < nbytes; done += scratch.length) await this.fill(scratch.subarray(0, Math.min(scratch.length, nbytes - done)), Math.min(scratch.length, nbytes - done));
  }
  async finishFull(): Promise<void> {
    // Drain any trailing bytes so the entry's size and CRC-32 get verified.
    this.rest = new Uint8Array(0);
    while ((await this.next()) !== null) {
      /* drain */
    }
  }
  async dispose(): Promise<void> {
    try {
      await this.it.return(undefined);
    } catch {
      /* already failed */
    }
    await this.fh.close();
  }
}
