// The public types of the activation-file input layer: what a net source says about its layers
// and what it yields when read. See index.ts for the file formats.

import type { ActivationInputError } from './errors.js';

export interface LayerInfo {
  name: string;
  /** D for (N, D), C for (N, C, H, W). */
  units: number;
  /** N for dense, N*H*W for conv layers. */
  samples: number;
  /** 1 for dense, H*W for conv layers. */
  samplesPerItem: number;
  /** N. */
  items: number;
  shape: number[];
  dtype: 'float32' | 'float64';
  /** The file path, or `archive.npz:entry.npy`. */
  source: string;
}

/** `units` rows of `samples` values, unit-major: `data[u * samples + s]`. The caller owns `data`. */
export interface ActivationBatch {
  data: Float32Array | Float64Array;
  units: number;
  samples: number;
}

export interface ReadBatchesOptions {
  /**
   * About this many samples per batch. Dense layers: exactly this many (the last batch may be
   * shorter). Conv layers: whole items (images), floor(batchSamples / (H*W)) of them, at least one.
   */
  batchSamples: number;
  /**
   * Read only the first `limitSamples` samples (in file order: item-major, then h, then w). The
   * batches then hold exactly min(limitSamples, samples) samples in all; for a conv layer the last
   * batch may end inside an item.
   */
  limitSamples?: number;
  /**
   * Start at this sample (default 0): a whole number of items (a shard, or a resumed probe,
   * starts at an item boundary). The batches then hold samples [startSamples, limit).
   */
  startSamples?: number;
}

export interface NetSource {
  readonly name: string;
  readonly path: string;
  layers(): LayerInfo[];
  readBatches(layer: string, options: ReadBatchesOptions): AsyncIterable<ActivationBatch>;
  close(): Promise<void>;
}

export interface RejectedLayer {
  name: string;
  source: string;
  error: ActivationInputError;
}

/** What `openNetSource` returns: a NetSource, plus the layers skipped with `skipInvalidLayers`. */
export interface FileNetSource extends NetSource {
  readonly kind: 'directory' | 'npz';
  /** Layers skipped because they cannot be used (only with `skipInvalidLayers`; empty otherwise). */
  readonly rejected: readonly RejectedLayer[];
}

export interface OpenNetSourceOptions {
  /**
   * Skip (and list in `rejected`) arrays that cannot be used as a layer (wrong dtype, rank,
   * Fortran order, truncated, not a .npy) instead of failing; e.g. a `labels.npy` of int64 next to
   * the activations. Default false: any bad array fails `openNetSource`.
   */
  skipInvalidLayers?: boolean;
}
