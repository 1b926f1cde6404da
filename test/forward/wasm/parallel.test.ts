// The parallel WASM engine (src/forward/wasm/parallel.ts) against the single-thread WASM kernels
// on the whole batch: bit-identical captures for two small CNNs at once, with batch sizes that do
// not divide by the thread count, smaller than it, and changing from call to call (plans per
// slice size). Node runs the compiled worker from dist/ (npm run build:ts, done by `npm test`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardEngine, ForwardNet } from '../../../src/forward/engine.js';
import { compilePlan } from '../../../src/forward/compile.js';
import { tensorIdOf } from '../../../src/forward/engine.js';
import { PlanRunner } from '../../../src/forward/executor.js';
import { createWasmKernels } from '../../../src/forward/wasm/kernels.js';
import { createParallelWasmEngine, sliceSizes } from '../../../src/forward/wasm/parallel.js';
import { Rng } from '../../helpers/rng.js';
import { lenet, mixedCnn } from '../wasm-nets.js';

const a = lenet();
const b = mixedCnn();
const nets: ForwardNet[] = [
  { name: 'lenet', model: a.model, captures: a.captures },
  { name: 'mixed', model: b.model, captures: b.captures },
];
const shapes = [a.itemShape, b.itemShape];

/** The single-thread result: every net compiled for the whole batch on one kernels instance. */
async function singleThread(net: number, input: Float32Array, n: number): Promise<Float32Array[]> {
  const kernels = await createWasmKernels();
  const plan = compilePlan(nets[net].model, [n, ...shapes[net]], { captures: nets[net].captures });
  const runner = new PlanRunner(plan, kernels);
  try {
    return await runner.run(input, nets[net].captures.map((c) => tensorIdOf(plan, c, nets[net].name)));
  } finally {
    runner.dispose();
    kernels.dispose();
  }
}

function items(seed: number, n: number, shape: number[]): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * shape.reduce((x, y) => x * y, 1) }, () => rng.uniform() * 2 - 1);
}

describe('sliceSizes', () => {
  it('cuts n items into contiguous slices differing by at most one', () => {
    expect(sliceSizes(7, 3)).toEqual([3, 2, 2]);
    expect(sliceSizes(2, 4)).toEqual([1, 1]);
    expect(sliceSizes(64, 2)).toEqual([32, 32]);
  });
});

// Both nets take different item shapes, so each engine serves one net; two engines run side by side.
describe.each([2, 3])('parallel WASM engine, %i threads', (threads) => {
  const engines: ForwardEngine[] = [];
  beforeAll(async () => {
    for (let k = 0; k < nets.length; k++) engines.push(await createParallelWasmEngine([nets[k]], shapes[k], { threads }));
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.dispose()));
  });

  for (const n of [1, 5, 7, 2, 5]) {
    it(`n = ${n}: captures are bit-identical to one thread on the whole batch`, async () => {
      for (let k = 0; k < nets.length; k++) {
        const input = items(100 * n + k + threads, n, shapes[k]);
        const [got] = await engines[k].forward(input.slice(), n);
        const want = await singleThread(k, input, n);
        expect(got.length).toBe(nets[k].captures.length);
        got.forEach((g, c) => {
          expect(g.length, `${nets[k].name} ${nets[k].captures[c]}`).toBe(want[c].length);
          expect(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(want[c].buffer, want[c].byteOffset, want[c].byteLength)), `${nets[k].name} ${nets[k].captures[c]} n=${n}`).toBe(true);
        });
      }
    });
  }

  it('runs concurrent batches and rejects a wrong input length', async () => {
    const inputs = [3, 4].map((n) => items(n, n, shapes[0]));
    const [r3, r4] = await Promise.all([engines[0].forward(inputs[0], 3), engines[0].forward(inputs[1], 4)]);
    expect(r3[0][2].length).toBe(3 * 10);
    expect(r4[0][2].length).toBe(4 * 10);
    await expect(engines[0].forward(new Float32Array(5), 2)).rejects.toThrow(/input has 5 values/);
  });
});

describe('parallel WASM engine with two nets of the same item shape', () => {
  it('returns one list of captures per net, in order', async () => {
    const other = lenet(9);
    const two: ForwardNet[] = [nets[0], { name: 'lenet-b', model: other.model, captures: ['ip2'] }];
    const engine = await createParallelWasmEngine(two, a.itemShape, { threads: 2 });
    try {
      const input = items(5, 3, a.itemShape);
      const out = await engine.forward(input, 3);
      expect(out.map((o) => o.length)).toEqual([3, 1]);
      const want = await singleThread(0, input, 3);
      expect(Array.from(out[0][2])).toEqual(Array.from(want[2]));
      expect(Array.from(out[1][0])).not.toEqual(Array.from(out[0][2]));
    } finally {
      await engine.dispose();
    }
  });

  it('runs in this thread with threads = 1, with the same results', async () => {
    const engine = await createParallelWasmEngine([nets[1]], shapes[1], { threads: 1 });
    try {
      expect(engine.name).toMatch(/x1 thread/);
      const input = items(8, 4, shapes[1]);
      const [got] = await engine.forward(input, 4);
      const want = await singleThread(1, input, 4);
      got.forEach((g, c) => expect(Array.from(g)).toEqual(Array.from(want[c])));
    } finally {
      await engine.dispose();
    }
  });

  it('reports a net that cannot be compiled, naming it', async () => {
    const engine = await createParallelWasmEngine([{ name: 'broken', model: a.model, captures: ['no_such_value'] }], a.itemShape, { threads: 2 });
    try {
      await expect(engine.forward(items(1, 2, a.itemShape), 2)).rejects.toThrow(/broken/);
    } finally {
      await engine.dispose();
    }
  });
});
