// Small batches gathered into larger ones before a joint histogram kernel counts them. Every call
// of a kernel costs something per unit pair besides the samples (the WASM kernel clears and adds
// four bins^2 sub-histograms per pair, the WebGPU one dispatches and clears workgroup memory), so a
// 64-image batch of an fc layer pays about as much for that as for its samples. Gathered, the
// pair cost is paid once per `target` samples. The counts are the same: every sample is counted
// once, and counts() counts what is gathered first.
import { checkBatch, checkSpec, type JointHistogramKernel, type JointHistogramSpec } from './contract.js';

/** Bytes a gathered batch may hold (all nets, float64 at worst). */
const GATHER_BYTES = 32 * 2 ** 20;
/** Samples gathered at most: beyond a thousand samples the per-pair cost is a few per cent. */
const GATHER_SAMPLES = 1024;

/** Samples to gather for a spec: 1024, or fewer where that would take more than 32 MiB. */
export function gatherTarget(spec: Pick<JointHistogramSpec, 'units'>): number {
  const units = spec.units.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.min(GATHER_SAMPLES, Math.floor(GATHER_BYTES / Math.max(1, 8 * units))));
}

type Values = Float32Array | Float64Array;

/** `kernel` (counting `spec`) fed batches of at least `target` samples, small ones gathered first. */
export function gatherBatches(kernel: JointHistogramKernel, spec: JointHistogramSpec, target = gatherTarget(spec)): JointHistogramKernel {
  checkSpec(spec);
  const { units } = spec;
  // Unit-major with rows of `target` samples; `held` of them filled.
  let pending: Values[] | null = null;
  let held = 0;
  const flush = async () => {
    if (held === 0 || !pending) return;
    const nets = pending.map((buffer, k) => (held === target ? buffer : firstSamples(buffer, units[k], target, held)));
    const samples = held;
    held = 0;
    await kernel.add(nets, samples);
  };
  return {
    name: kernel.name,
    async add(nets, samples) {
      checkBatch(spec, nets, samples);
      // A batch of another precision than the gathered one: count those first (the kernels take either).
      if (pending && nets.some((data, k) => data.constructor !== pending![k].constructor)) {
        await flush();
        pending = null;
      }
      if (held + samples > target) await flush();
      if (samples >= target) return kernel.add(nets, samples);
      pending ??= nets.map((data, k) => new (data.constructor as new (length: number) => Values)(units[k] * target));
      nets.forEach((data, k) => {
        for (let u = 0; u < units[k]; u++) pending![k].set(data.subarray(u * samples, (u + 1) * samples), u * target + held);
      });
      held += samples;
      if (held === target) await flush();
    },
    async counts() {
      await flush();
      return kernel.counts();
    },
    ...(kernel.countsView
      ? {
          async countsView() {
            await flush();
            return kernel.countsView!();
          },
        }
      : {}),
    dispose() {
      pending = null;
      return kernel.dispose();
    },
  };
}

/** The first `n` samples of each unit of a unit-major buffer of rows of `stride`, as a new unit-major array. */
function firstSamples(buffer: Values, units: number, stride: number, n: number): Values {
  const out = new (buffer.constructor as new (length: number) => Values)(units * n);
  for (let u = 0; u < units; u++) out.set(buffer.subarray(u * stride, u * stride + n), u * n);
  return out;
}
