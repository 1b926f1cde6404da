// The WASM trainer on the calling thread: a fresh instance of the kernels' module (its own linear
// memory) driven by wasmTrainerCore. Worker threads build the same core from its source text.
import { WasmInstance, wasmModule } from '../kernels/wasm-module.js';
import type { NetSpec } from './model.js';
import { wasmTrainerCore, type WasmTrainerCore } from './wasm-core.js';

/** A WASM trainer for `spec` with batches of up to `maxBatch` samples, on this thread. */
export async function createWasmTrainer(spec: NetSpec, maxBatch: number, module?: WebAssembly.Module): Promise<WasmTrainerCore> {
  const instance = await WasmInstance.create(module ?? (await wasmModule()));
  if (typeof instance.exports.trainConvForward !== 'function') {
    throw new Error('the embedded WASM module has no training kernels (trainConvForward); rebuild it with `npm run build:kernels`');
  }
  return wasmTrainerCore(instance.exports, spec, maxBatch);
}
