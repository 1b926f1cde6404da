// The WASM forward kernels (src/forward/wasm/*, assembly/forward/*) against the reference
// kernels (src/forward/reference), one hand-built single-step plan at a time, on awkward sizes:
// odd channel counts and widths (SIMD remainders), K past the GEMM's 256-deep blocks, every
// conv path (im2col, 1 x 1 direct, grouped, depthwise with a channel multiplier), every pooling
// rule, broadcasting shapes that merge and that do not. The reference sums in float64, the WASM
// kernels in float32: held to 2e-5 of max(1, max |expected|).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanRunner } from '../../../src/forward/executor.js';
import type { OpKernels } from '../../../src/forward/kernels.js';
import type { ExecutionPlan, PlanTensor, StepBody } from '../../../src/forward/plan.js';
import { createReferenceKernels } from '../../../src/forward/reference/index.js';
import { createWasmKernels, type WasmTensor } from '../../../src/forward/wasm/kernels.js';
import { WasmInstance, relaxedSimdAvailable, wasmModule, type WasmVariant } from '../../../src/kernels/wasm-module.js';
import { Rng } from '../../helpers/rng.js';
import { expectClose } from '../harness.js';

// Both builds of the module (src/kernels/wasm-module.ts): the GEMM-based kernels (conv, gemm,
// matmul) run on each; the others are the same code in both. `wasm` is the build under test.
const builds: Record<WasmVariant, OpKernels<WasmTensor> | undefined> = { plain: undefined, relaxed: undefined };
let wasm: OpKernels<WasmTensor>;
/** The kernels createWasmKernels() gives by default (the fastest build here). */
let standard: OpKernels<WasmTensor>;
beforeAll(async () => {
  // Node 20 runs relaxed SIMD once its V8 flag is on (relaxedSimdAvailable turns it on).
  expect(relaxedSimdAvailable(), 'relaxed SIMD on this Node').toBe(true);
  for (const variant of ['plain', 'relaxed'] as const) builds[variant] = await createWasmKernels(await WasmInstance.create(await wasmModule(variant)));
  wasm = standard = await createWasmKernels();
});
afterAll(() => {
  standard.dispose();
  for (const k of Object.values(builds)) k?.dispose();
});
/** Runs the enclosing describe's tests on one build. */
const onBuild = (variant: WasmVariant) => {
  beforeAll(() => {
    wasm = builds[variant]!;
  });
  afterAll(() => {
    wasm = standard;
  });
};
const BUILDS: WasmVariant[] = ['plain', 'relaxed'];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Operand {
  shape: number[];
  data?: Float32Array;
}

/** A plan of one step: operand 0 is the plan input, the others constants. */
function onePlan(body: StepBody, operands: Operand[], outShape: number[], seed: number): { plan: ExecutionPlan; input: Float32Array } {
  const rng = new Rng(seed);
  const data = operands.map((o) => o.data ?? Float32Array.from({ length: size(o.shape) }, () => rng.uniform() * 2 - 1));
  const tensors: PlanTensor[] = operands.map((o, id) => ({ id, name: `in${id}`, shape: o.shape, ...(id > 0 ? { constant: data[id] } : {}) }));
  const input = data[0];
  const out = operands.length;
  tensors.push({ id: out, name: 'out', shape: outShape });
  const step = { ...body, inputs: operands.map((_, i) => i), output: out, node: `${body.kind}_node`, opType: body.kind } as ExecutionPlan['steps'][number];
  return { plan: { tensors, input: 0, outputs: [out], steps: [step], batch: outShape[0] ?? 1 }, input };
}

async function compare(label: string, body: StepBody, operands: Operand[], outShape: number[], rel = 2e-5): Promise<void> {
  const { plan, input } = onePlan(body, operands, outShape, label.length * 7919 + outShape.length);
  const ref = new PlanRunner(plan, createReferenceKernels());
  const got = new PlanRunner(plan, wasm);
  try {
    const [expected] = await ref.run(input, [plan.outputs[0]]);
    const [actual] = await got.run(input, [plan.outputs[0]]);
    expectClose(actual, expected, rel, label);
  } finally {
    ref.dispose();
    got.dispose();
  }
}

const outSize = (n: number, k: number, s: number, p0: number, p1: number, d: number) => Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;

describe.each(BUILDS)('conv (%s build)', (variant) => {
  onBuild(variant);
  const cases: { name: string; x: number[]; w: number[]; group: number; s: [number, number]; p: [number, number, number, number]; d: [number, number]; bias: boolean }[] = [
    { name: 'lenet conv1 (C = 1)', x: [3, 1, 13, 11], w: [5, 1, 5, 5], group: 1, s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], bias: true },
    { name: '3x3 pad 1', x: [2, 5, 9, 7], w: [7, 5, 3, 3], group: 1, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: true },
    { name: 'K = 270 > 256, M = 13', x: [1, 30, 6, 5], w: [13, 30, 3, 3], group: 1, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: false },
    { name: 'stride 2 dilation 2 asymmetric pads', x: [2, 3, 15, 13], w: [6, 3, 3, 2], group: 1, s: [2, 3], p: [2, 1, 0, 3], d: [2, 2], bias: true },
    { name: '1x1 direct', x: [2, 9, 5, 7], w: [11, 9, 1, 1], group: 1, s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], bias: true },
    { name: '1x1 stride 2', x: [2, 9, 5, 7], w: [11, 9, 1, 1], group: 1, s: [2, 2], p: [0, 0, 0, 0], d: [1, 1], bias: false },
    { name: '1x1 padded', x: [1, 3, 4, 5], w: [5, 3, 1, 1], group: 1, s: [1, 1], p: [1, 0, 1, 2], d: [1, 1], bias: true },
    { name: 'grouped (alexnet conv2 style)', x: [2, 6, 9, 9], w: [10, 3, 5, 5], group: 2, s: [1, 1], p: [2, 2, 2, 2], d: [1, 1], bias: true },
    { name: 'depthwise 3x3', x: [2, 7, 11, 13], w: [7, 1, 3, 3], group: 7, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: true },
    { name: 'depthwise multiplier 2 stride 2', x: [1, 5, 10, 9], w: [10, 1, 3, 3], group: 5, s: [2, 2], p: [1, 0, 1, 1], d: [1, 1], bias: false },
    { name: 'depthwise dilated', x: [1, 3, 12, 12], w: [3, 1, 3, 3], group: 3, s: [1, 2], p: [2, 2, 2, 2], d: [2, 2], bias: true },
    { name: 'kernel larger than input with pads', x: [1, 2, 3, 2], w: [3, 2, 5, 5], group: 1, s: [1, 1], p: [2, 2, 2, 2], d: [1, 1], bias: true },
    { name: 'winograd 3x3 pad 1, odd map', x: [3, 17, 13, 11], w: [19, 17, 3, 3], group: 1, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: true },
    { name: 'winograd no pads, even map', x: [2, 16, 10, 12], w: [16, 16, 3, 3], group: 1, s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], bias: false },
    { name: 'winograd asymmetric pads', x: [1, 20, 9, 8], w: [21, 20, 3, 3], group: 1, s: [1, 1], p: [2, 0, 1, 3], d: [1, 1], bias: true },
    { name: 'winograd grouped, 1-pixel map', x: [2, 34, 1, 1], w: [36, 17, 3, 3], group: 2, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: true },
    { name: 'winograd many images (alexnet conv4 style)', x: [7, 32, 13, 13], w: [32, 16, 3, 3], group: 2, s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], bias: true },
    { name: 'winograd 5x5 pad 2, odd map (alexnet conv2 style)', x: [3, 16, 15, 13], w: [18, 16, 5, 5], group: 1, s: [1, 1], p: [2, 2, 2, 2], d: [1, 1], bias: true },
    { name: 'winograd 5x5 grouped, no pads', x: [2, 36, 11, 14], w: [34, 18, 5, 5], group: 2, s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], bias: false },
    { name: 'winograd 5x5 asymmetric pads, tiny map', x: [5, 17, 2, 3], w: [16, 17, 5, 5], group: 1, s: [1, 1], p: [3, 1, 2, 4], d: [1, 1], bias: true },
    { name: 'winograd 5x5 wide map (full tile groups)', x: [1, 16, 9, 40], w: [16, 16, 5, 5], group: 1, s: [1, 1], p: [2, 2, 2, 2], d: [1, 1], bias: true },
    // A plane too large for the padded-plane buffer (16,384 floats): the bounds-checked gather.
    { name: 'winograd 5x5 map larger than the padded-plane buffer', x: [1, 16, 131, 125], w: [17, 16, 5, 5], group: 1, s: [1, 1], p: [2, 1, 2, 3], d: [1, 1], bias: true },
    { name: 'alexnet conv1 shape (smaller)', x: [1, 3, 39, 39], w: [9, 3, 11, 11], group: 1, s: [4, 4], p: [0, 0, 0, 0], d: [1, 1], bias: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const [N, , H, W] = c.x;
      const [M, , kh, kw] = c.w;
      const out = [N, M, outSize(H, kh, c.s[0], c.p[0], c.p[2], c.d[0]), outSize(W, kw, c.s[1], c.p[1], c.p[3], c.d[1])];
      const ops: Operand[] = [{ shape: c.x }, { shape: c.w }];
      if (c.bias) ops.push({ shape: [M] });
      await compare(c.name, { kind: 'conv', inputs: [0, 1], group: c.group, kernel: [kh, kw], strides: c.s, pads: c.p, dilations: c.d }, ops, out);
    });
  }
});

describe.each(BUILDS)('gemm and matmul (%s build)', (variant) => {
  onBuild(variant);
  const M = 7;
  const N = 13;
  const K = 301;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const cShape of [undefined, [], [N], [1, N], [M, 1], [M, N]]) {
        const name = `gemm transA=${transA} transB=${transB} C=${cShape ? JSON.stringify(cShape) : 'none'}`;
        it(name, async () => {
          const ops: Operand[] = [{ shape: transA ? [K, M] : [M, K] }, { shape: transB ? [N, K] : [K, N] }];
          if (cShape) ops.push({ shape: cShape });
          await compare(name, { kind: 'gemm', inputs: [0, 1], alpha: 0.7, beta: cShape ? -1.3 : 0, transA, transB }, ops, [M, N]);
        });
      }
    }
  }
  it('gemm with beta = 0 ignores an infinite C', async () => {
    await compare('gemm beta 0', { kind: 'gemm', inputs: [0, 1], alpha: 1, beta: 0, transA: false, transB: true }, [{ shape: [3, 5] }, { shape: [4, 5] }, { shape: [4], data: new Float32Array(4).fill(Infinity) }], [3, 4]);
  });
  const mm: [number[], number[], number[]][] = [
    [[2, 3, 5, 7], [7, 4], [2, 3, 5, 4]],
    [[5], [5, 3], [3]],
    [[4, 6], [6], [4]],
    [[3, 1, 4, 6], [2, 6, 5], [3, 2, 4, 5]],
    [[9, 33], [33, 10], [9, 10]],
  ];
  for (const [a, b, y] of mm) {
    it(`matmul ${JSON.stringify(a)} x ${JSON.stringify(b)}`, async () => {
      await compare(`matmul ${a} ${b}`, { kind: 'matmul', inputs: [0, 1] }, [{ shape: a }, { shape: b }], y);
    });
  }
});

describe('elementwise', () => {
  const special = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-30, -5, 5, 0.25, -0.25, 3, -3, 7, 0.5, -7, 88, -88, 100, -100]);
  for (const [fn, extra] of [
    ['relu', {}],
    ['leakyrelu', { alpha: 0.13 }],
    ['clip', { min: -0.4, max: 0.6 }],
    ['clip', { min: 0, max: 6 }],
    ['sigmoid', {}],
  ] as const) {
    it(`unary ${fn} ${JSON.stringify(extra)}`, async () => {
      const body = { kind: 'unary', inputs: [0], fn, alpha: 0.01, min: -Infinity, max: Infinity, ...extra } as StepBody;
      await compare(`unary ${fn}`, body, [{ shape: [37] }], [37]);
      await compare(`unary ${fn} special`, body, [{ shape: [special.length], data: special }], [special.length]);
    });
  }
  const shapes: [number[], number[], number[]][] = [
    [[2, 3, 5, 7], [2, 3, 5, 7], [2, 3, 5, 7]],
    [[2, 3, 5, 7], [3, 1, 1], [2, 3, 5, 7]],
    [[2, 3, 5, 7], [7], [2, 3, 5, 7]],
    [[3, 1, 1], [2, 3, 5, 7], [2, 3, 5, 7]],
    [[1, 3, 1, 7], [2, 1, 5, 1], [2, 3, 5, 7]],
    [[], [4, 5], [4, 5]],
    [[5, 1], [1, 6], [5, 6]],
    [[1], [1], [1]],
    [[2, 1, 3, 1, 2, 1, 3, 1, 2], [1, 2, 1, 3, 1, 2, 1, 3, 1], [2, 2, 3, 3, 2, 2, 3, 3, 2]],
  ];
  for (const fn of ['add', 'mul'] as const) {
    for (const [a, b, y] of shapes) {
      it(`binary ${fn} ${JSON.stringify(a)} ${JSON.stringify(b)}`, async () => {
        await compare(`${fn} ${a} ${b}`, { kind: 'binary', inputs: [0, 1], fn }, [{ shape: a }, { shape: b }], y, 0);
      });
    }
  }
  it('channelaffine', async () => {
    await compare('channelaffine', { kind: 'channelaffine', inputs: [0, 1, 2] }, [{ shape: [2, 5, 3, 7] }, { shape: [5] }, { shape: [5] }], [2, 5, 3, 7]);
  });
});

describe('pooling, lrn, softmax', () => {
  const pools: { name: string; x: number[]; k: [number, number]; s: [number, number]; p: [number, number, number, number]; d: [number, number]; out?: [number, number] }[] = [
    { name: '2x2 s2', x: [2, 3, 9, 11], k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1] },
    { name: '3x3 s2 (alexnet)', x: [1, 5, 13, 13], k: [3, 3], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1] },
    { name: '3x3 s1 pad 1', x: [1, 3, 7, 6], k: [3, 3], s: [1, 1], p: [1, 1, 1, 1], d: [1, 1] },
    { name: 'asymmetric pads, strides', x: [2, 2, 10, 9], k: [3, 2], s: [2, 3], p: [2, 1, 0, 1], d: [1, 1] },
    { name: 'dilated', x: [1, 2, 11, 12], k: [3, 3], s: [2, 1], p: [1, 2, 1, 2], d: [2, 3] },
    { name: 'ceil mode (extra windows)', x: [1, 3, 7, 8], k: [2, 3], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1], out: [4, 4] },
    { name: 'ceil mode with pads', x: [1, 2, 6, 6], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], d: [1, 1], out: [4, 4] },
    // Rows long enough for several SIMD groups of window maxima (AlexNet pool1 is 55 wide).
    { name: '3x3 s2 wide rows (alexnet pool1, smaller)', x: [2, 3, 7, 55], k: [3, 3], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1] },
    { name: 'wide, dilated, padded, stride 3', x: [1, 2, 5, 41], k: [2, 4], s: [1, 3], p: [0, 3, 1, 2], d: [1, 2] },
    { name: 'window as wide as the row', x: [1, 2, 4, 6], k: [2, 6], s: [1, 1], p: [0, 0, 0, 0], d: [1, 1] },
  ];
  for (const p of pools) {
    for (const kind of ['maxpool', 'avgpool'] as const) {
      for (const countIncludePad of kind === 'avgpool' ? [false, true] : [false]) {
        const name = `${kind} ${p.name}${countIncludePad ? ' count_include_pad' : ''}`;
        it(name, async () => {
          const [N, C, H, W] = p.x;
          const out = p.out ?? [outSize(H, p.k[0], p.s[0], p.p[0], p.p[2], p.d[0]), outSize(W, p.k[1], p.s[1], p.p[1], p.p[3], p.d[1])];
          await compare(name, { kind, inputs: [0], kernel: p.k, strides: p.s, pads: p.p, dilations: p.d, countIncludePad }, [{ shape: p.x }], [N, C, ...out]);
        });
      }
    }
  }
  it('maxpool skips NaN and gives the reference maxima exactly', async () => {
    const [N, C, H, W] = [1, 2, 6, 23];
    const data = Float32Array.from({ length: N * C * H * W }, (_, i) => [NaN, -0, 0, Math.sin(i), -Infinity][i % 7 === 3 ? 0 : i % 5 === 1 ? 1 : i % 5 === 2 ? 2 : i % 11 === 4 ? 4 : 3]);
    // A whole window of NaN (rows 0-1, columns 0-2 of plane 0) gives -Infinity.
    for (const r of [0, 1]) for (const c of [0, 1, 2]) data[r * W + c] = NaN;
    const body: StepBody = { kind: 'maxpool', inputs: [0], kernel: [2, 3], strides: [1, 2], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: false };
    const { plan, input } = onePlan(body, [{ shape: [N, C, H, W], data }], [N, C, H - 1, (W - 3) / 2 + 1], 1);
    const ref = new PlanRunner(plan, createReferenceKernels());
    const got = new PlanRunner(plan, wasm);
    try {
      const [expected] = await ref.run(input, [plan.outputs[0]]);
      const [actual] = await got.run(input, [plan.outputs[0]]);
      expect(actual[0]).toBe(-Infinity);
      // Equal as numbers (rows are reduced before columns, so of -0 and 0 the first by rows wins).
      const diff = Array.from(actual).flatMap((v, i) => (v === expected[i] ? [] : [[i, v, expected[i]]]));
      expect(diff, 'the reference maxima').toEqual([]);
    } finally {
      ref.dispose();
      got.dispose();
    }
  });
  it('globalavgpool', async () => {
    await compare('globalavgpool', { kind: 'globalavgpool', inputs: [0] }, [{ shape: [2, 5, 7, 9] }], [2, 5, 1, 1]);
    await compare('globalavgpool 3025', { kind: 'globalavgpool', inputs: [0] }, [{ shape: [1, 3, 55, 55] }], [1, 3, 1, 1]);
  });
  for (const [s, beta] of [
    [5, 0.75],
    [4, 0.75],
    [3, 0.6],
    [1, 0.75],
  ]) {
    it(`lrn size ${s} beta ${beta}`, async () => {
      await compare(`lrn ${s}`, { kind: 'lrn', inputs: [0], size: s, alpha: 1e-2, beta, bias: 1.5 }, [{ shape: [2, 7, 5, 3] }], [2, 7, 5, 3]);
    });
  }
  for (const [outer, axis, inner] of [
    [3, 7, 5],
    [6, 11, 1],
    [1, 1000, 1],
    [2, 1, 3],
  ]) {
    it(`softmax (${outer}, ${axis}, ${inner})`, async () => {
      await compare('softmax', { kind: 'softmax', inputs: [0], outer, axis, inner }, [{ shape: [outer, axis, inner] }], [outer, axis, inner]);
    });
  }
});

describe('layout', () => {
  it('concat', async () => {
    const body = (axis: number) => ({ kind: 'concat', inputs: [0, 1, 2], axis }) as StepBody;
    await compare('concat 1', body(1), [{ shape: [2, 3, 5] }, { shape: [2, 1, 5] }, { shape: [2, 4, 5] }], [2, 8, 5], 0);
    await compare('concat -1', body(-1), [{ shape: [2, 3, 5] }, { shape: [2, 3, 1] }, { shape: [2, 3, 2] }], [2, 3, 8], 0);
    await compare('concat 0', body(0), [{ shape: [1, 3] }, { shape: [2, 3] }, { shape: [3, 3] }], [6, 3], 0);
  });
  for (const [shape, perm] of [
    [[2, 3, 5, 7], [0, 2, 3, 1]],
    [[2, 3, 5, 7], [3, 1, 0, 2]],
    [[9, 13], [1, 0]],
    [[4, 1, 5], [1, 2, 0]],
  ] as [number[], number[]][]) {
    it(`transpose ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, async () => {
      await compare('transpose', { kind: 'transpose', inputs: [0], perm }, [{ shape }], perm.map((p) => shape[p]), 0);
    });
  }
  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    it(`pad ${mode}`, async () => {
      const pads = [0, 1, 2, 3, 1, 0, 4, 2];
      const x = [2, 3, 5, 4];
      await compare(`pad ${mode}`, { kind: 'pad', inputs: [0], mode, pads, value: 0.5 }, [{ shape: x }], x.map((n, i) => n + pads[i] + pads[4 + i]), 0);
      await compare(`pad ${mode} 1-D`, { kind: 'pad', inputs: [0], mode, pads: [6, 7], value: -2 }, [{ shape: [3] }], [16], 0);
    });
  }
});

describe('Winograd filter transforms kept with constant weights', () => {
  // x (2, 16, 9, 11) through a 3 x 3 and a 5 x 5 conv of 17 output channels, pads 1 / 2.
  const convBody = (k: number, w: number): StepBody => ({ kind: 'conv', inputs: [0, w], group: 1, kernel: [k, k], strides: [1, 1], pads: [(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2], dilations: [1, 1] });
  const weights = (seed: number, k: number) => Float32Array.from({ length: 17 * 16 * k * k }, (_, i) => Math.sin(seed * 1000 + i));

  /** One conv with a constant weight, or (computed) with the weight passed through a ReLU step first. */
  function convPlan(k: number, w: Float32Array, computed: boolean): ExecutionPlan {
    const tensors: PlanTensor[] = [
      { id: 0, name: 'x', shape: [2, 16, 9, 11] },
      { id: 1, name: 'w', shape: [17, 16, k, k], constant: w },
      { id: 2, name: 'w relu', shape: [17, 16, k, k] },
      { id: 3, name: 'y', shape: [2, 17, 9, 11] },
    ];
    const relu = { kind: 'unary', fn: 'relu', alpha: 0, min: -Infinity, max: Infinity, inputs: [1], output: 2, node: 'relu', opType: 'Relu' };
    const conv = { ...convBody(k, computed ? 2 : 1), output: 3, node: 'conv', opType: 'Conv' };
    return { tensors, input: 0, outputs: [3], steps: (computed ? [relu, conv] : [conv]) as ExecutionPlan['steps'], batch: 2 };
  }

  for (const k of [3, 5]) {
    it(`${k} x ${k}: every run, a second plan on the same kernels and a computed weight match the reference`, async () => {
      const x = Float32Array.from({ length: 2 * 16 * 9 * 11 }, (_, i) => Math.cos(i));
      for (const [seed, computed] of [[1, false], [2, false], [3, true]] as const) {
        const plan = convPlan(k, weights(seed, k), computed);
        const ref = new PlanRunner(plan, createReferenceKernels());
        const got = new PlanRunner(plan, wasm);
        try {
          const [expected] = await ref.run(x, [3]);
          const runs = [];
          for (let r = 0; r < 3; r++) runs.push((await got.run(x, [3]))[0]);
          expectClose(runs[0], expected, 2e-5, `k ${k} seed ${seed}`);
          // The kept transform (runs 2 and 3) gives the first run's values bit for bit.
          for (const again of runs.slice(1)) expect(Buffer.from(again.buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
        } finally {
          ref.dispose();
          got.dispose();
        }
      }
    });
  }
});

describe('wasm kernels memory', () => {
  it('reuses freed blocks and survives memory growth between runs', async () => {
    const t = wasm.upload(Float32Array.from([1, 2, 3]), [3]);
    const big = wasm.alloc([1 << 22]); // 16 MB: grows the memory, detaching old views
    expect(Array.from(await wasm.read(t))).toEqual([1, 2, 3]);
    wasm.free(big);
    wasm.free(t);
    expect(() => wasm.free(t)).toThrow(/not a live tensor/);
  });
});
