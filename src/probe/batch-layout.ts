// How the probe from ONNX models cuts and lays out its batches: the default batch, and the
// captured (n, C, H, W) activations turned unit-major for the moment kernels. Pure: the CLI's
// probe (src/probe/forward-probe-run.ts) and the web page's study (src/study/) share it.

/** Images per batch of the probe from ONNX models unless --batch says otherwise. */
export const DEFAULT_BATCH_ITEMS = 64;

/** (n, C, H, W) batch-first into unit-major (C, n*H*W): what the moment kernels read. */
export function toUnitMajor(data: Float32Array, n: number, units: number, positions: number, out = new Float32Array(data.length)): Float32Array {
  const samples = n * positions;
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < units; u++) {
      const src = (i * units + u) * positions;
      out.set(data.subarray(src, src + positions), u * samples + i * positions);
    }
  }
  return out;
}
