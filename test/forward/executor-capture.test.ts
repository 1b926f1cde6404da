// PlanRunner's onCapture: each captured handle is handed over, alive, in the order asked, nothing
// is read back, and every handle is freed afterwards (also when the callback throws). Over the
// reference kernels, wrapped to count reads and frees.
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/util/random.js';
import { compilePlan } from '../../src/forward/compile.js';
import { tensorIdOf } from '../../src/forward/engine.js';
import { PlanRunner } from '../../src/forward/executor.js';
import type { OpKernels } from '../../src/forward/kernels.js';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';

function model() {
  const b = new OnnxBuilder('capture');
  const g = seededNormal(5);
  b.input('x', ['N', 2, 5, 5]);
  b.initializer('w', [3, 2, 3, 3], Float32Array.from({ length: 54 }, g));
  b.node('Conv', ['x', 'w'], ['c']);
  b.node('Relu', ['c'], ['r']);
  b.node('Flatten', ['r'], ['f'], { axis: 1 });
  b.output('f', ['N', 27]);
  return b.build({ opset: 13 });
}

/** Reference kernels that count reads and live handles. */
function counted<T>(inner: OpKernels<T>) {
  const live = new Set<T>();
  let reads = 0;
  const kernels: OpKernels<T> = {
    ...inner,
    upload(data, shape) {
      const t = inner.upload(data, shape);
      live.add(t);
      return t;
    },
    alloc(shape) {
      const t = inner.alloc(shape);
      live.add(t);
      return t;
    },
    read(t) {
      reads++;
      return inner.read(t);
    },
    free(t) {
      live.delete(t);
      inner.free(t);
    },
  };
  return { kernels, live, reads: () => reads };
}

describe('PlanRunner onCapture', () => {
  const n = 3;
  const plan = compilePlan(model(), [n, 2, 5, 5], { captures: ['r', 'c', 'f'] });
  const ids = ['r', 'c', 'f'].map((t) => tensorIdOf(plan, t, 'capture'));
  const input = Float32Array.from({ length: n * 50 }, seededNormal(9));

  it('hands over each capture, alive and in order, reads nothing, and frees them afterwards', async () => {
    const want = await new PlanRunner(plan, createReferenceKernels()).run(input, ids);
    const { kernels, live, reads } = counted(createReferenceKernels());
    const runner = new PlanRunner(plan, kernels);
    const constants = live.size;
    const seen: { id: number; index: number; data: Float32Array }[] = [];
    const out = await runner.run(input, ids, {
      async onCapture(id, handle, index) {
        expect(live.has(handle)).toBe(true);
        seen.push({ id, index, data: await kernels.read(handle) });
      },
    });
    expect(out).toEqual([]);
    expect(seen.map((s) => [s.id, s.index])).toEqual(ids.map((id, i) => [id, i]));
    seen.forEach((s, i) => expect(s.data).toEqual(want[i]));
    expect(reads()).toBe(ids.length); // only the callback's own reads
    expect(live.size).toBe(constants); // every activation freed; the weights stay with the runner
    runner.dispose();
    expect(live.size).toBe(0);
  });

  it('frees the captures when the callback throws', async () => {
    const { kernels, live } = counted(createReferenceKernels());
    const runner = new PlanRunner(plan, kernels);
    const constants = live.size;
    await expect(runner.run(input, ids, { onCapture: () => Promise.reject(new Error('no room')) })).rejects.toThrow('no room');
    expect(live.size).toBe(constants);
  });
});
