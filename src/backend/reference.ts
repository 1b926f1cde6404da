// The reference backend: every kernel in plain TypeScript, float64 where it matters, one thread.
// It defines the results the other backends are checked against. There is no plain-TypeScript
// trainer, so it offers the WASM one (the trained weights are keyed by that trainer).
import { createInProcessEngine } from '../forward/engine.js';
import { createReferenceKernels } from '../forward/reference/index.js';
import { createReferenceJointHistogramKernel } from '../kernels/joint-histogram/index.js';
import { createReferenceMomentKernel } from '../kernels/moments/reference.js';
import type { Backend } from './types.js';

export function createReferenceBackend(): Backend {
  const moments = createReferenceMomentKernel();
  return {
    kind: 'reference',
    description: 'reference (plain TypeScript, float64, one thread)',
    capabilities: { moments: moments.name, forward: 'reference', probeOnDevice: false, jointHistogram: 'reference', trainer: 'wasm' },
    moments,
    forwardEngine: async (nets, itemShape) => createInProcessEngine('reference', nets, itemShape, createReferenceKernels()),
    jointHistogram: async (spec) => createReferenceJointHistogramKernel(spec),
    trainer: { options: { backend: 'wasm' }, label: 'wasm-simd' },
    async dispose() {},
  };
}
