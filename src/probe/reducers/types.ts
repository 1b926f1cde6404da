// A reducer sees every batch of one layer during the probe and keeps bounded state. The joint
// moments are the built-in reducer; a plugin can add others (histograms, top-k activations, ...).
//
// Most reducers need one pass over the data. A reducer that declares `passes: 2` (or more) sees
// the layer again: the probe re-reads the layer's files for it (only for it: the moments, and
// reducers that declared fewer passes, are done after the first pass), calling `nextPass` on its
// state between passes. E.g. a histogram reducer finds its bin edges in pass 0 and counts in pass 1.
import type { Backend } from '../../backend/types.js';
import type { OptionSpec } from '../../util/option-spec.js';

export interface ReducerBatch {
  /** One array per net, unit-major (data[u * samples + s]), in the file's precision. */
  nets: (Float32Array | Float64Array)[];
  samples: number;
  /** Index of this batch's first sample within the layer. */
  firstSample: number;
  /** Which pass over the layer this batch belongs to (0-based; always 0 for single-pass reducers). */
  pass?: number;
}

export interface ReducerOutput {
  /** Written as RUN/reducers/<reducer>/<layer>/<key>.npy */
  arrays?: Record<string, { data: Float64Array | Float32Array | Int32Array; shape: number[] }>;
  /** Written as RUN/reducers/<reducer>/<layer>/result.json */
  json?: unknown;
}

export interface ReducerState {
  update(batch: ReducerBatch): void | Promise<void>;
  /**
   * Multi-pass reducers: called when a pass has seen every batch of the layer and another begins;
   * `pass` is the (0-based) index of the pass about to begin (1, 2, ...).
   */
  nextPass?(pass: number): void | Promise<void>;
  finish(): ReducerOutput | Promise<ReducerOutput>;
  /** Releases what the state holds (device buffers, ...); called after finish() or on an error. */
  dispose?(): void | Promise<void>;
}

/** What a reducer is told about the layer it is created for. */
export interface ReducerLayer {
  layer: string;
  nets: { name: string; units: number }[];
  samples: number;
  /** The probe's backend, for reducers with kernels of their own (absent when not given). */
  backend?: Backend;
  /** The reducer's options: its declared defaults overridden by `--<reducer>.<option>` flags. */
  options?: Record<string, unknown>;
}

export interface Reducer {
  name: string;
  description: string;
  /** Passes over every layer this reducer needs (default 1). */
  passes?: number;
  /** Declared options, given as `--<reducer>.<option> VALUE` (same shape as a method's). */
  options?: Record<string, OptionSpec>;
  /**
   * Optional check of every layer before the probe reads anything (e.g. a memory estimate), so
   * that a layer the reducer cannot handle is refused up front rather than after hours of work.
   */
  validate?(layer: ReducerLayer): void;
  create(layer: ReducerLayer): ReducerState;
}
