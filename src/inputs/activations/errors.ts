// The errors of the activation-file input layer. Every message names the net, the file (with
// `:entry` for an npz) and, where known, the layer, so a user can find what to fix.

import { NpyFormatError } from '../npy/npy-header.js';
import { NpzError } from '../npy/npz.js';

export type ActivationErrorCode =
  | 'NOT_FOUND' // the path does not exist
  | 'NOT_A_NET' // neither a directory nor an .npz archive
  | 'NO_LAYERS' // a directory without .npy files, an archive without .npy entries
  | 'BAD_ARCHIVE' // not a readable zip archive, or an entry that cannot be decoded
  | 'BAD_MAGIC' // not a .npy file
  | 'BAD_HEADER' // a malformed .npy header, or an unknown format version
  | 'TRUNCATED' // fewer data bytes than the shape promises
  | 'CORRUPT' // an npz entry that fails to inflate or whose CRC-32 does not match
  | 'DTYPE' // not float32 / float64
  | 'FORTRAN_ORDER'
  | 'RANK' // not (N, D) or (N, C, H, W)
  | 'NO_UNITS' // a zero-sized unit axis
  | 'DUPLICATE_LAYER'
  | 'NO_SUCH_LAYER'
  | 'CLOSED'
  | 'IO';

/** Every error of this module: `net`, the file (`source`, with `:entry` for npz) and the layer. */
export class ActivationInputError extends Error {
  override name = 'ActivationInputError';
  constructor(
    readonly code: ActivationErrorCode,
    message: string,
    readonly net: string,
    readonly source: string,
    readonly layer?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The net being opened, so that every error can name it. */
export class NetErrorContext {
  constructor(
    readonly net: string,
    readonly netPath: string,
  ) {}
  err(code: ActivationErrorCode, source: string, layer: string | undefined, what: string, cause?: unknown): ActivationInputError {
    const where = layer !== undefined ? `net ${this.net}, layer ${layer} (${source})` : `net ${this.net} (${source})`;
    return new ActivationInputError(code, `${where}: ${what}`, this.net, source, layer, cause !== undefined ? { cause } : undefined);
  }
}

/** Turns any failure while reading a layer's header into an ActivationInputError with a code. */
export function headerError(ctx: NetErrorContext, source: string, layer: string, e: unknown): ActivationInputError {
  if (e instanceof ActivationInputError) return e;
  if (e instanceof NpyFormatError) {
    const code: ActivationErrorCode = e.code === 'BAD_MAGIC' ? 'BAD_MAGIC' : e.code === 'SHORT_HEADER' ? 'TRUNCATED' : 'BAD_HEADER';
    return ctx.err(code, source, layer, e.message, e);
  }
  if (e instanceof NpzError) return ctx.err('BAD_ARCHIVE', source, layer, e.reason, e);
  return ctx.err('IO', source, layer, (e as Error).message ?? String(e), e);
}
