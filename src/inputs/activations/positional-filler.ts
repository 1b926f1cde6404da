// Reads a .npy file or a stored npz entry at file offsets. For a stored entry read in full it also
// checks the entry's CRC-32 (header bytes included) against the archive directory.

import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { NetErrorContext } from './errors.js';
import { READ_PIECE, type Filler } from './filler.js';
import type { LayerRecord } from './record.js';

export class PositionalFiller implements Filler {
  private pos: number;
  private crc = 0;
  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly rec: LayerRecord,
    private readonly ctx: NetErrorContext,
    private readonly verifyCrc: boolean,
  ) {
    this.pos = start;
    if (verifyCrc) this.crc = crc32(rec.headerBytes!, 0);
  }
  async fill(dst: Uint8Array, nbytes: number): Promise<void> {
    let got = 0;
    while (got < nbytes) {
      const n = Math.min(READ_PIECE, nbytes - got);
      const { bytesRead } = await this.fh.read(dst, got, n, this.pos + got);
      if (bytesRead === 0) {
        throw this.ctx.err('TRUNCATED', this.rec.info.source, this.rec.info.name, `truncated: the file ended at byte ${this.pos + got} while reading the data (was it changed after opening?)`);
      }
      got += bytesRead;
    }
    if (this.verifyCrc) this.crc = crc32(dst.subarray(0, nbytes), this.crc);
    this.pos += nbytes;
  }
  async skip(nbytes: number): Promise<void> {
    // Only partial reads skip, and they never check the CRC (finishFull is for whole layers).
    this.pos += nbytes;
  }
  async finishFull(): Promise<void> {
    if (!this.verifyCrc) return;
    const entry = this.rec.entry!;
    const trailing = entry.dataStart + entry.uncompressedSize - this.pos;
    if (trailing > 0) {
      const rest = new Uint8Array(Math.min(trailing, 64 << 20));
      for (let done = 0; done < trailing; ) {
        const n = Math.min(rest.length, trailing - done);
        await this.fill(rest, n);
        done += n;
      }
    }
    if (this.crc >>> 0 !== entry.crc32) {
      throw this.ctx.err(
        'CORRUPT',
        this.rec.info.source,
        this.rec.info.name,
        `corrupt entry: CRC-32 0x${(this.crc >>> 0).toString(16).padStart(8, '0')} does not match 0x${entry.crc32.toString(16).padStart(8, '0')} in the archive directory`,
      );
    }
  }
  async dispose(): Promise<void> {
    await this.fh.close();
  }
}
