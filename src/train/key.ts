// The cache key of a trained net: a hash of everything that determines its weights, so that
// `convergent demo` (and anyone else) can reuse a net trained earlier with the same settings.
// Changing the trainer in a way that changes weights must bump TRAIN_CODE_VERSION.

/** Bumped whenever the training code changes the weights it produces for the same options. */
export const TRAIN_CODE_VERSION = 1;

export interface TrainingKeyOptions {
  arch: string;
  width: number;
  seed: number;
  epochs: number;
  batch: number;
  lr: number;
  lrSchedule: string;
  momentum: number;
  weightDecay: number;
  /** TrainData.identity: which items, in which order, with which split. */
  data: string;
  /** 'wasm' or 'webgpu': the backends round differently, so their weights differ. */
  backend: string;
}

/**
 * A 64-bit hash of `bytes` as 16 hex digits: two multiply-xorshift lanes over 32-bit words
 * (cyrb53's mixing, widened), fast enough for tens of megabytes of pixels. Not cryptographic.
 */
export function hashBytes(bytes: Uint8Array): string {
  let h1 = 0xdeadbeef ^ bytes.length;
  let h2 = 0x41c6ce57 ^ bytes.length;
  const words = bytes.length >>> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words; i++) {
    const w = view.getUint32(4 * i, true);
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = (h2 << 17) | (h2 >>> 15);
  }
  for (let i = 4 * words; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** The key of a net trained with `options`: 16 hex digits. Equal options give equal keys. */
export function trainingKey(options: TrainingKeyOptions): string {
  const canonical = JSON.stringify([
    TRAIN_CODE_VERSION,
    options.arch,
    options.width,
    options.seed,
    options.epochs,
    options.batch,
    options.lr,
    options.lrSchedule,
    options.momentum,
    options.weightDecay,
    options.data,
    options.backend,
  ]);
  return hashBytes(new TextEncoder().encode(canonical));
}
