// The activation-file input layer: a net is a directory of `<layer>.npy` files or one `.npz`
// archive with an entry `<layer>.npy` per layer. Arrays are float32 or float64, C order, shaped
// (N, D) for dense layers or (N, C, H, W) for conv layers (C units; every image position is a
// sample, so N*H*W samples). Data is streamed in batches and transposed to unit-major; nothing ever
// reads a whole file into memory.
//
// Reading: .npy files and stored .npz entries are read with a FileHandle at file offsets, a batch at
// a time in pieces of at most 4 MiB, and the next batch is read while the current one is transposed
// and consumed (double buffering). Deflated .npz entries are inflated as a stream and cut into
// batches. Every handle a read opens is closed when the iteration ends, breaks, throws, or when the
// source is closed.
//
// The files: types.ts (the public types), errors.ts, discover.ts (openNetSource) with
// open-directory.ts and open-npz.ts, validate.ts (header checks), source.ts (readBatches) with the
// fillers (positional-filler.ts, stream-filler.ts) and interleave.ts (the transpose),
// non-finite.ts (findNonFinite).

export type {
  ActivationBatch,
  FileNetSource,
  LayerInfo,
  NetSource,
  OpenNetSourceOptions,
  ReadBatchesOptions,
  RejectedLayer,
} from './types.js';
export { ActivationInputError, type ActivationErrorCode } from './errors.js';
export { findNonFinite, type NonFinite } from './non-finite.js';
export { openNetSource } from './discover.js';
export { interleaveItems } from './interleave.js';
