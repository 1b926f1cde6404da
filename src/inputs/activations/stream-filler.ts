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
  private skip: number;
  constructor(
    private readonly fh: FileHandle,
    private readonly rec: LayerRecord,
    private readonly ctx: NetErrorContext,
  ) {
    this.it = streamEntry(fh, rec.file, rec.entry!, { chunkBytes: READ_PIECE, verify: true });
    this.skip = rec.dataOffset;
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
        if (this.skip > 0) {
          const k = Math.min(this.skip, this.rest.length);
          this.rest = this.rest.subarray(k);
          this.skip -= k;
          continue;
        }
      }
      const k = Math.min(this.rest.length, nbytes - got);
      dst.set(this.rest.subarray(0, k), got);
      this.rest = this.rest.subarray(k);
      got += k;
    }
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
