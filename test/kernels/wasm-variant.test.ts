// Which build of the WASM module the forward engine runs (src/kernels/wasm-module.ts): relaxed
// SIMD where the engine runs it (Node 20 after turning on V8's flag), plain where asked with
// CONVERGENT_WASM_SIMD=plain, a clear refusal for any other value; the engine's name says which.
import { afterEach, describe, expect, it } from 'vitest';
import { fastestWasmVariant, relaxedSimdAvailable, wasmModule } from '../../src/kernels/wasm-module.js';
import { createParallelWasmEngine } from '../../src/forward/wasm/parallel.js';
import { lenet } from '../forward/wasm-nets.js';

const saved = process.env.CONVERGENT_WASM_SIMD;
afterEach(() => {
  if (saved === undefined) delete process.env.CONVERGENT_WASM_SIMD;
  else process.env.CONVERGENT_WASM_SIMD = saved;
});

describe('the forward engine\'s WASM build', () => {
  it('is relaxed SIMD by default on this Node, plain when asked, and refuses other values by name', async () => {
    delete process.env.CONVERGENT_WASM_SIMD;
    expect(relaxedSimdAvailable()).toBe(true);
    expect(fastestWasmVariant()).toBe('relaxed');
    process.env.CONVERGENT_WASM_SIMD = 'plain';
    expect(fastestWasmVariant()).toBe('plain');
    process.env.CONVERGENT_WASM_SIMD = 'relaxed';
    expect(fastestWasmVariant()).toBe('relaxed');
    process.env.CONVERGENT_WASM_SIMD = 'fma';
    expect(() => fastestWasmVariant()).toThrow(/CONVERGENT_WASM_SIMD=fma: expected "plain".*or "relaxed"/);
    // Both builds compile, and they are different modules.
    expect(await wasmModule('plain')).not.toBe(await wasmModule('relaxed'));
  });

  it('names the build in the engine name', async () => {
    const net = lenet();
    for (const [asked, name] of [['plain', /^wasm-simd x1 thread$/], ['', /^wasm-simd x1 thread, relaxed SIMD$/]] as const) {
      process.env.CONVERGENT_WASM_SIMD = asked;
      const engine = await createParallelWasmEngine([{ name: 'lenet', model: net.model, captures: net.captures }], net.itemShape, { threads: 1 });
      try {
        expect(engine.name).toMatch(name);
      } finally {
        await engine.dispose();
      }
    }
  });
});
