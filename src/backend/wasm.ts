// The WASM backend: the AssemblyScript SIMD kernels on the CPU, spread over worker threads where
// a batch repays the messaging (moments, forward passes, training).
import { createParallelWasmEngine } from '../forward/wasm/parallel.js';
import { createParallelJointHistogramKernel } from '../kernels/joint-histogram/index.js';
import { createWasmMomentKernel } from '../kernels/moments/wasm.js';
import { hardwareConcurrency } from '../platform/workers.js';
import type { Backend } from './types.js';

export interface WasmBackendOptions {
  /** CPU threads (default: all cores). */
  threads?: number;
  /** The CPU's name, for the description. */
  cpuName?: string;
  /** Why this backend was chosen, appended to the description (e.g. " (auto: no GPU device found)"). */
  note?: string;
}

export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend> {
  const moments = await createWasmMomentKernel({ threads: options.threads });
  return {
    kind: 'wasm',
    description: `${moments.name}${options.cpuName ? ` on ${options.cpuName}` : ''}${options.note ?? ''}`,
    capabilities: { moments: moments.name, forward: 'wasm-simd', probeOnDevice: false, jointHistogram: 'wasm-simd', trainer: 'wasm' },
    threads: options.threads,
    moments,
    async forwardEngine(nets, itemShape, engine = {}) {
      const threads = engine.threads ?? options.threads;
      return createParallelWasmEngine(nets, itemShape, { threads });
    },
    // On worker threads by rows of each pair where the layer repays them (kernels/joint-histogram/parallel.ts).
    jointHistogram: async (spec) => createParallelJointHistogramKernel(spec, { threads: options.threads ?? (await hardwareConcurrency()) }),
    trainer: { options: { backend: 'wasm' }, label: 'wasm-simd' },
    async dispose() {
      await moments.dispose();
    },
  };
}
