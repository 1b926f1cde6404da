// A reducer sees every batch of one layer during the probe and keeps bounded state. The joint
// moments are the built-in reducer; a plugin can add others (histograms, top-k activations, ...).

export interface ReducerBatch {
  /** One array per net, unit-major (data[u * samples + s]), in the file's precision. */
  nets: (Float32Array | Float64Array)[];
  samples: number;
  /** Index of this batch's first sample within the layer. */
  firstSample: number;
}

export interface ReducerOutput {
  /** Written as RUN/reducers/<reducer>/<layer>/<key>.npy */
  arrays?: Record<string, { data: Float64Array | Float32Array | Int32Array; shape: number[] }>;
  /** Written as RUN/reducers/<reducer>/<layer>/result.json */
  json?: unknown;
}

export interface ReducerState {
  update(batch: ReducerBatch): void | Promise<void>;
  finish(): ReducerOutput | Promise<ReducerOutput>;
}

export interface Reducer {
  name: string;
  description: string;
  create(layer: { layer: string; nets: { name: string; units: number }[]; samples: number }): ReducerState;
}
