// The strided WASM kernels' index spaces: merged by the shared src/forward/axes.ts, walked by
// odometers of a fixed depth.
export { mergeAxes, type MergedAxes } from '../axes.js';

/** The kernels' odometers hold at most 8 leading axes. */
export const MAX_RANK = 9;
