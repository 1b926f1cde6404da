// The one host of the WASM module: process-wide instances and the out-of-memory error every
// host (kernels, forward heap) raises, naming the job that needed the memory.
import { describe, expect, it } from 'vitest';
import { WasmHeap } from '../../src/forward/wasm/heap.js';
import { SharedWasmInstance, WasmInstance, growMemory } from '../../src/kernels/wasm-module.js';

describe('WASM instances', () => {
  it('a shared instance is created once, and afresh after drop()', async () => {
    const shared = new SharedWasmInstance();
    const a = await shared.get();
    expect(await shared.get()).toBe(a);
    shared.drop();
    const b = await shared.get();
    expect(b).toBeInstanceOf(WasmInstance);
    expect(b).not.toBe(a);
  });

  it('growMemory grows to hold the end byte and leaves a large enough memory alone', async () => {
    const { memory } = await WasmInstance.create();
    const before = memory.buffer.byteLength;
    growMemory(memory, before - 1, 'nothing');
    expect(memory.buffer.byteLength).toBe(before);
    growMemory(memory, before + 65536 * 2 + 1, 'a test');
    expect(memory.buffer.byteLength).toBe(before + 65536 * 3);
  });

  it('memory past 4 GiB is refused with the job and the MiB it needed', async () => {
    const w = await WasmInstance.create();
    expect(() => growMemory(w.memory, 2 ** 32 + 1, 'a job of 3 x 5')).toThrow(
      /^a job of 3 x 5 needs 4097 MiB of WASM memory, which could not be allocated \(a WASM instance addresses at most 4 GiB\)/,
    );
    expect(() => w.layout([2 ** 31, 2 ** 31], 'cost matrix of 7 x 9')).toThrow(/^cost matrix of 7 x 9 needs \d+ MiB of WASM memory/);
  });

  it('the forward heap raises the same error, naming the block', async () => {
    const w = await WasmInstance.create();
    const heap = new WasmHeap(w.memory, Number(w.exports.heapBase()));
    expect(() => heap.alloc(2 ** 32)).toThrow(/^wasm heap: a block of 4294967296 bytes \(0 bytes in use\) needs \d+ MiB of WASM memory/);
  });
});
