// shareConstants (src/forward/wasm/shared-constants.ts): plans of one net compiled for several
// batch sizes hold one upload of each weight, freed with its last user; inputs are never shared.
import { describe, expect, it } from 'vitest';
import type { OpKernels } from '../../../src/forward/kernels.js';
import type { ExecutionPlan } from '../../../src/forward/plan.js';
import { shareConstants } from '../../../src/forward/wasm/shared-constants.js';

/** Host kernels that count uploads and frees. */
function counting() {
  const stats = { uploads: 0, frees: 0, live: new Set<{ data: Float32Array }>() };
  const kernels: OpKernels<{ data: Float32Array }> = {
    name: 'counting',
    upload(data) {
      stats.uploads++;
      const t = { data: data.slice() };
      stats.live.add(t);
      return t;
    },
    alloc: (shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }),
    run() {},
    read: async (t) => t.data.slice(),
    free(t) {
      if (!stats.live.delete(t)) throw new Error('double free');
      stats.frees++;
    },
    dispose() {},
  };
  return { kernels, stats };
}

const plan = (batch: number, w: Float32Array, folded: Float32Array): ExecutionPlan => ({
  tensors: [
    { id: 0, name: 'x', shape: [batch, 3] },
    { id: 1, name: 'w', shape: [3, 3], constant: w },
    { id: 2, name: 'bn_folded', shape: [3], constant: folded },
    { id: 3, name: 'y', shape: [batch, 3] },
  ],
  input: 0,
  outputs: [3],
  steps: [],
  batch,
});

describe('shareConstants', () => {
  it('shares a weight uploaded by two plans (same array, or equal values under the same name)', () => {
    const { kernels, stats } = counting();
    const shared = shareConstants(kernels);
    const w = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const p1 = plan(4, w, Float32Array.from([1, 2, 3]));
    const p2 = plan(7, w, Float32Array.from([1, 2, 3])); // a fold recomputed: equal values, new array
    shared.register(p1);
    shared.register(p2);
    const a = [shared.upload(w, [3, 3]), shared.upload(p1.tensors[2].constant!, [3])];
    const b = [shared.upload(w, [3, 3]), shared.upload(p2.tensors[2].constant!, [3])];
    expect(stats.uploads).toBe(2);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
    // Inputs are uploaded every time, even the same array.
    const input = new Float32Array(12);
    expect(shared.upload(input, [4, 3])).not.toBe(shared.upload(input, [4, 3]));
    expect(stats.uploads).toBe(4);
    for (const t of a) shared.free(t);
    expect(stats.frees).toBe(0);
    for (const t of b) shared.free(t);
    expect(stats.frees).toBe(2);
  });

  it('keeps different values under the same name apart', () => {
    const { kernels, stats } = counting();
    const shared = shareConstants(kernels);
    const p1 = plan(1, new Float32Array(9).fill(1), Float32Array.from([1, 2, 3]));
    const p2 = plan(2, new Float32Array(9).fill(2), Float32Array.from([1, 2, -0]));
    const p3 = plan(3, new Float32Array(9).fill(2), Float32Array.from([1, 2, 0]));
    for (const p of [p1, p2, p3]) shared.register(p);
    const t1 = shared.upload(p1.tensors[1].constant!, [3, 3]);
    const t2 = shared.upload(p2.tensors[1].constant!, [3, 3]);
    const z2 = shared.upload(p2.tensors[2].constant!, [3]);
    const z3 = shared.upload(p3.tensors[2].constant!, [3]);
    expect(t1).not.toBe(t2);
    // -0 and 0 are different bits: not shared.
    expect(z2).not.toBe(z3);
    expect(Array.from(t2.data)).toEqual(new Array(9).fill(2));
    expect(stats.uploads).toBe(4);
  });
});
