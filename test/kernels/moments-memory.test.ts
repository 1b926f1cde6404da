// Memory of the joint D x D moment state (issue 12, Memory): no kernel holds a second D x D
// matrix of a batch. The WASM engine forms the co-moments a block of rows at a time (its memory
// holds the batch and one block, not d x d); the WebGPU kernel keeps one plan of a large layer,
// not two (each holds D^2 / 2 floats of S2 and as much of read-back); the reference kernel's
// blocks merged into a total equal its whole batch. The numbers these blocks must give come from
// the float64 reference (itself checked against numpy in moments-wasm.test.ts). Peak RSS of the
// whole probe and merge is measured by `npm run bench -- probe-memory merge`, not here.
import { describe, expect, it } from 'vitest';
import { emptyMoments } from '../../src/kernels/moments/merge.js';
import { accumulateMomentsReference, batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { momentTileEngine } from '../../src/kernels/moments/wasm.js';
import { SHAPE_PLANS_BYTES, ShapePlanCache, type ShapePlan } from '../../src/kernels/moments/webgpu-plan.js';
import { WasmInstance } from '../../src/kernels/wasm-module.js';
import { seededNormal } from '../../src/util/random.js';

/** d units x n samples (unit-major) of normal values around per-unit means. */
function batch(d: number, n: number, seed: number): Float32Array {
  const normal = seededNormal(seed);
  const x = new Float32Array(d * n);
  for (let u = 0; u < d; u++) for (let s = 0; s < n; s++) x[u * n + s] = 3 + (u % 7) + normal();
  return x;
}

describe('WASM moment engine memory', () => {
  it('forms the co-moments a block of rows at a time in far less than d x d float64 of WASM memory', async () => {
    const d = 2001; // not a multiple of 4
    const n = 131; // not a multiple of 4 or of the 128-sample block
    const x = batch(d, n, 12);
    const ex = (await WasmInstance.create()).exports;
    const engine = momentTileEngine(ex);
    const { mean } = engine.load(x, n, d, 0, n);
    const ref = batchMomentsReference(x, d, n);
    for (let i = 0; i < d; i++) expect(mean[i]).toBeCloseTo(ref.mean[i], 12);
    let worst = 0;
    const rows = 68;
    for (let i0 = 0; i0 < d; i0 += rows) {
      const { block, stride } = engine.rows(i0, Math.min(d, i0 + rows));
      for (let i = i0; i < Math.min(d, i0 + rows); i++) {
        for (let j = i; j < d; j++) {
          const want = ref.m2[i * d + j];
          const scale = Math.sqrt(ref.m2[i * d + i] * ref.m2[j * d + j]);
          worst = Math.max(worst, Math.abs(block[(i - i0) * stride + (j - i0)] - want) / scale);
        }
      }
    }
    expect(worst).toBeLessThan(1e-6);
    // The batch twice (raw and packed f32) and one block: under a quarter of d x d float64.
    expect(ex.memory.buffer.byteLength).toBeLessThan((8 * d * d) / 4);
  });

  it('centres a long batch a few panels of units at a time, the same as whole', async () => {
    // 4099 samples: the engine centres 508 units (8 MiB of f32) at a time, so 1001 units take
    // two pieces, the second one partial.
    const d = 1001;
    const n = 4099;
    const x = batch(d, n, 7);
    const engine = momentTileEngine((await WasmInstance.create()).exports);
    const { mean } = engine.load(x, n, d, 0, n);
    const exact = new Float64Array(d);
    for (let u = 0; u < d; u++) {
      let sum = 0;
      for (let s = 0; s < n; s++) sum += x[u * n + s];
      exact[u] = sum / n;
      expect(Math.abs(mean[u] - exact[u])).toBeLessThan(1e-12 * Math.abs(exact[u]));
    }
    // Rows on both sides of the pieces' border (508), against every column, in float64.
    const i0 = 500;
    const i1 = 516;
    const { block, stride } = engine.rows(i0, i1);
    let worst = 0;
    for (let i = i0; i < i1; i++) {
      for (let j = i; j < d; j++) {
        let sum = 0;
        let si = 0;
        let sj = 0;
        for (let s = 0; s < n; s++) {
          const a = x[i * n + s] - exact[i];
          const b = x[j * n + s] - exact[j];
          sum += a * b;
          si += a * a;
          sj += b * b;
        }
        worst = Math.max(worst, Math.abs(block[(i - i0) * stride + (j - i0)] - sum) / Math.sqrt(si * sj));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('reference kernel blocks', () => {
  it('merging a batch block by block into a total equals its whole moments, entry for entry', () => {
    const d = 45;
    const n = 37;
    const x = batch(d, n, 5);
    const total = emptyMoments(d);
    accumulateMomentsReference(total, x, d, n);
    const whole = batchMomentsReference(x, d, n);
    expect(total.n).toBe(n);
    expect(Array.from(total.mean)).toEqual(Array.from(whole.mean));
    // Co-moments formed directly in float64, two passes, as the reference's definition.
    const c = new Float64Array(d * n);
    for (let u = 0; u < d; u++) for (let s = 0; s < n; s++) c[u * n + s] = x[u * n + s] - whole.mean[u];
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let s = 0; s < n; s++) sum += c[i * n + s] * c[j * n + s];
        expect(total.m2[i * d + j]).toBe(sum);
      }
    }
  });
});

describe('WebGPU shape plans', () => {
  /** A fake plan whose buffers record their size and when they were destroyed. */
  function cache(bytesPerPlan: number, log: string[]): ShapePlanCache {
    return new ShapePlanCache((d, len) => {
      const name = `${d}x${len}`;
      log.push(`create ${name}`);
      const buffer = { size: bytesPerPlan, destroy: () => log.push(`destroy ${name}`) } as unknown as GPUBuffer;
      return { d, len, buffers: [buffer] } as unknown as ShapePlan;
    });
  }

  it('keeps the two most recent plans of a small layer', () => {
    const log: string[] = [];
    const plans = cache(1024, log);
    const full = plans.get(33, 1000);
    plans.get(33, 7);
    expect(plans.get(33, 1000)).toBe(full);
    expect(log).toEqual(['create 33x1000', 'create 33x7']);
  });

  it('holds one plan of a large layer: the old one is destroyed before the next is made', () => {
    const log: string[] = [];
    const plans = cache(SHAPE_PLANS_BYTES / 2 + 1, log);
    plans.get(8000, 1024);
    plans.get(8000, 952);
    plans.get(8000, 1024);
    expect(log).toEqual(['create 8000x1024', 'destroy 8000x1024', 'create 8000x952', 'destroy 8000x952', 'create 8000x1024']);
  });
});
