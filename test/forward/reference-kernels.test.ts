// The reference OpKernels (src/forward/reference/index.ts): every step kind dispatches to its
// reference function, errors name the step kind, node and tensor, freed tensors cannot be used,
// and a PlanRunner run of a hand-written conv -> relu -> maxpool -> reshape -> gemm plan gives
// numpy's values (test/fixtures/forward/net.json) while freeing each intermediate exactly once,
// right after its last use.
import { describe, expect, it } from 'vitest';
import { PlanRunner } from '../../src/forward/executor.js';
import type { OpKernels } from '../../src/forward/kernels.js';
import type { ExecutionPlan, PlanTensor, Step, StepBody } from '../../src/forward/plan.js';
import {
  avgPool2d,
  binary,
  channelAffine,
  concat,
  type Conv2dParams,
  conv2d,
  createReferenceKernels,
  gemm,
  globalAvgPool,
  lrn,
  matmul,
  maxPool2d,
  pad,
  type Pool2dParams,
  type RefTensor,
  softmax,
  transpose,
  unary,
} from '../../src/forward/reference/index.js';
import { Rng } from '../helpers/rng.js';
import { expectClose, type FixtureTensor, loadFixture } from './reference-fixtures.js';

const rng = new Rng(44);
const rand = (...shape: number[]): RefTensor => {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { shape, data };
};

/** A plan of one step reading `inputs` (tensors 0..k-1) and writing tensor k of `outShape`. */
function oneStep(body: StepBody, inputs: RefTensor[], outShape: number[]): { plan: ExecutionPlan; step: Step } {
  const tensors: PlanTensor[] = inputs.map((t, id) => ({ id, name: `in${id}`, shape: t.shape }));
  tensors.push({ id: inputs.length, name: 'out', shape: outShape });
  const step = { ...body, inputs: inputs.map((_, i) => i), output: inputs.length, node: 'n0', opType: 'Op' } as Step;
  return { plan: { tensors, input: 0, outputs: [inputs.length], steps: [step], batch: 1 }, step };
}

async function runOne(body: StepBody, inputs: RefTensor[], outShape: number[]): Promise<RefTensor> {
  const k = createReferenceKernels();
  const { plan, step } = oneStep(body, inputs, outShape);
  const out = k.alloc(outShape);
  k.run(
    step,
    plan,
    inputs.map((t) => k.upload(t.data, t.shape)),
    out,
  );
  return { shape: out.shape, data: await k.read(out) };
}

describe('reference kernels: dispatch', () => {
  const x = rand(2, 3, 7, 5);
  const poolStep: Pool2dParams & { countIncludePad: boolean } = { kernel: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], dilations: [1, 2], countIncludePad: true };
  const cases: [string, StepBody, RefTensor[], RefTensor][] = (() => {
    const w = rand(6, 1, 3, 3);
    const b = rand(6);
    const conv: Conv2dParams & { kernel: [number, number] } = { group: 3, strides: [2, 1], pads: [1, 1, 0, 2], dilations: [1, 1], kernel: [3, 3] };
    const a = rand(3, 5);
    const bm = rand(7, 5);
    const c = rand(7);
    const gp = { alpha: 0.5, beta: 2, transA: false, transB: true };
    const m1 = rand(2, 3, 5);
    const m2 = rand(5, 4);
    const un = { fn: 'leakyrelu', alpha: 0.2, min: -Infinity, max: Infinity } as const;
    const bb = rand(3, 1, 1);
    const sc = rand(3);
    const sh = rand(3);
    const lp = { size: 3, alpha: 0.1, beta: 0.75, bias: 1 };
    const y = rand(2, 3, 4, 5);
    const pads = [0, 1, 0, 2, 1, 0, 2, 0];
    return [
      ['conv', { kind: 'conv', inputs: [0, 1, 2], ...conv }, [x, w, b], conv2d(x, w, b.data, conv)],
      ['gemm', { kind: 'gemm', inputs: [0, 1, 2], ...gp }, [a, bm, c], gemm(a, bm, c, gp)],
      ['matmul', { kind: 'matmul', inputs: [0, 1] }, [m1, m2], matmul(m1, m2)],
      ['unary', { kind: 'unary', inputs: [0], ...un }, [x], unary(x, un)],
      ['binary', { kind: 'binary', inputs: [0, 1], fn: 'mul' }, [x, bb], binary('mul', x, bb)],
      ['maxpool', { kind: 'maxpool', inputs: [0], ...poolStep }, [x], maxPool2d(x, poolStep)],
      ['avgpool', { kind: 'avgpool', inputs: [0], ...poolStep }, [x], avgPool2d(x, poolStep)],
      ['globalavgpool', { kind: 'globalavgpool', inputs: [0] }, [x], globalAvgPool(x)],
      ['lrn', { kind: 'lrn', inputs: [0], ...lp }, [x], lrn(x, lp)],
      ['channelaffine', { kind: 'channelaffine', inputs: [0, 1, 2] }, [x, sc, sh], channelAffine(x, sc.data, sh.data)],
      ['softmax', { kind: 'softmax', inputs: [0], outer: 2, axis: 3, inner: 35 }, [x], softmax(x, { outer: 2, axis: 3, inner: 35 })],
      ['concat', { kind: 'concat', inputs: [0, 1], axis: 2 }, [x, y], concat([x, y], 2)],
      ['transpose', { kind: 'transpose', inputs: [0], perm: [2, 0, 3, 1] }, [x], transpose(x, [2, 0, 3, 1])],
      ['pad', { kind: 'pad', inputs: [0], mode: 'reflect', pads, value: 0 }, [x], pad(x, pads, 'reflect')],
    ];
  })();

  for (const [kind, body, inputs, expected] of cases) {
    it(`runs ${kind} steps through the reference function`, async () => {
      expect(body.kind).toBe(kind);
      expectClose(await runOne(body, inputs, expected.shape), expected, 0, kind);
    });
  }

  it('takes the pool output size from the plan (ceil mode)', async () => {
    // 7 rows, kernel 2, stride 2: floor mode gives 3 rows, the plan asks for 4 (ceil_mode).
    const x7 = rand(1, 2, 7, 5);
    const p: Pool2dParams & { countIncludePad: boolean } = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: false };
    const y = await runOne({ kind: 'avgpool', inputs: [0], ...p }, [x7], [1, 2, 4, 3]);
    expectClose(y, avgPool2d(x7, { ...p, outputSize: [4, 3] }), 0);
  });

  it('names the step kind, node and tensor in its errors', async () => {
    const k = createReferenceKernels();
    const { plan, step } = oneStep({ kind: 'gelu', inputs: [0] } as unknown as StepBody, [x], x.shape);
    const inputs = [k.upload(x.data, x.shape)];
    expect(() => k.run(step, plan, inputs, k.alloc(x.shape))).toThrow(/no kernel for step kind "gelu" \(Op node n0\)/);
    const r = oneStep({ kind: 'reshape', inputs: [0] }, [x], [2, 105]);
    expect(() => k.run(r.step, r.plan, inputs, k.alloc([2, 105]))).toThrow(/step kind "reshape" \(reshape steps alias/);
    const g = oneStep({ kind: 'globalavgpool', inputs: [0] }, [x], [2, 3]);
    expect(() => k.run(g.step, g.plan, inputs, k.alloc([2, 3]))).toThrow(/computed shape \[2, 3, 1, 1\] but the plan gives out shape \[2, 3\]/);
    expect(() => k.upload(new Float32Array(3), [2, 2])).toThrow(/upload of 3 values for shape \[2, 2\]/);
  });

  it('refuses freed tensors and double frees', async () => {
    const k = createReferenceKernels();
    const { plan, step } = oneStep({ kind: 'globalavgpool', inputs: [0] }, [x], [2, 3, 1, 1]);
    const input = k.upload(x.data, x.shape);
    const out = k.alloc([2, 3, 1, 1]);
    k.free(input);
    expect(() => k.run(step, plan, [input], out)).toThrow(/input 0 \(in0\) was already freed/);
    expect(() => k.free(input)).toThrow(/already freed/);
    k.free(out);
    await expect(k.read(out)).rejects.toThrow(/already freed/);
  });

  it('copies on upload and read, so callers may reuse their buffers', async () => {
    const k = createReferenceKernels();
    const data = Float32Array.of(1, 2, 3);
    const t = k.upload(data, [3]);
    data[0] = 9;
    const back = await k.read(t);
    back[1] = 9;
    expect(Array.from(await k.read(t))).toEqual([1, 2, 3]);
  });
});

interface NetFixture {
  x: FixtureTensor;
  w: FixtureTensor;
  b: FixtureTensor;
  fcW: FixtureTensor;
  fcB: FixtureTensor;
  conv: FixtureTensor;
  relu: FixtureTensor;
  pool: FixtureTensor;
  fc: FixtureTensor;
}

/** conv 3x3 pad 1 -> relu -> maxpool 2x2 s2 -> flatten -> gemm (transB) + bias, batch 2. */
function netPlan(f: NetFixture): ExecutionPlan {
  const c = (t: FixtureTensor) => Float32Array.from(t.data);
  const tensors: PlanTensor[] = [
    { id: 0, name: 'x', shape: [2, 1, 7, 6] },
    { id: 1, name: 'w', shape: [3, 1, 3, 3], constant: c(f.w) },
    { id: 2, name: 'b', shape: [3], constant: c(f.b) },
    { id: 3, name: 'conv', shape: [2, 3, 7, 6] },
    { id: 4, name: 'relu', shape: [2, 3, 7, 6] },
    { id: 5, name: 'pool', shape: [2, 3, 3, 3] },
    { id: 6, name: 'flat', shape: [2, 27] },
    { id: 7, name: 'fcW', shape: [5, 27], constant: c(f.fcW) },
    { id: 8, name: 'fcB', shape: [5], constant: c(f.fcB) },
    { id: 9, name: 'fc', shape: [2, 5] },
  ];
  const steps: Step[] = [
    { kind: 'conv', inputs: [0, 1, 2], output: 3, group: 1, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], node: 'conv1', opType: 'Conv' },
    { kind: 'unary', inputs: [3], output: 4, fn: 'relu', alpha: 0, min: -Infinity, max: Infinity, node: 'relu1', opType: 'Relu' },
    { kind: 'maxpool', inputs: [4], output: 5, kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: false, node: 'pool1', opType: 'MaxPool' },
    { kind: 'reshape', inputs: [5], output: 6, node: 'flatten', opType: 'Flatten' },
    { kind: 'gemm', inputs: [6, 7, 8], output: 9, alpha: 1, beta: 1, transA: false, transB: true, node: 'fc1', opType: 'Gemm' },
  ];
  return { tensors, input: 0, outputs: [9], steps, batch: 2 };
}

/** Reference kernels that log uploads, runs, reads and frees by tensor name. */
function logged(plan: ExecutionPlan): { kernels: OpKernels<RefTensor>; log: string[] } {
  const inner = createReferenceKernels();
  const names = new Map<RefTensor, string>();
  const log: string[] = [];
  const kernels: OpKernels<RefTensor> = {
    name: inner.name,
    upload(data, shape) {
      const t = inner.upload(data, shape);
      const constant = plan.tensors.find((p) => p.constant === data);
      names.set(t, constant ? constant.name : 'x');
      log.push(`upload ${names.get(t)}`);
      return t;
    },
    alloc: (shape) => inner.alloc(shape),
    run(step, p, inputs, output) {
      names.set(output, p.tensors[step.output].name);
      log.push(`run ${step.node}`);
      inner.run(step, p, inputs, output);
    },
    read(t) {
      log.push(`read ${names.get(t)}`);
      return inner.read(t);
    },
    free(t) {
      log.push(`free ${names.get(t)}`);
      inner.free(t);
    },
    dispose: () => inner.dispose(),
  };
  return { kernels, log };
}

describe('reference kernels under PlanRunner', () => {
  const f = loadFixture<NetFixture>('net');

  it('runs conv -> relu -> maxpool -> reshape -> gemm to numpy values, freeing intermediates after their last use', async () => {
    const plan = netPlan(f);
    const { kernels, log } = logged(plan);
    const runner = new PlanRunner(plan, kernels);
    expect(log.splice(0)).toEqual(['upload w', 'upload b', 'upload fcW', 'upload fcB']);
    for (let batch = 0; batch < 2; batch++) {
      const [relu, fc] = await runner.run(Float32Array.from(f.x.data), [4, 9]);
      expectClose({ shape: f.relu.shape, data: relu }, f.relu, 1e-6, 'relu');
      expectClose({ shape: f.fc.shape, data: fc }, f.fc, 1e-6, 'fc');
      // Each tensor is freed once, right after its last reader; the pool buffer, shared with its
      // reshape alias, when the alias dies; the captures after they are read.
      expect(log.splice(0)).toEqual([
        'upload x',
        'run conv1',
        'free x',
        'run relu1',
        'free conv',
        'run pool1',
        'run fc1',
        'free pool',
        'read relu',
        'read fc',
        'free relu',
        'free fc',
      ]);
    }
    runner.dispose();
    expect(log.splice(0)).toEqual(['free w', 'free b', 'free fcW', 'free fcB']);
  });

  it('keeps an aliased capture alive until the end of the batch', async () => {
    const plan = netPlan(f);
    const { kernels, log } = logged(plan);
    const runner = new PlanRunner(plan, kernels);
    log.length = 0;
    const [pool, flat, fc] = await runner.run(Float32Array.from(f.x.data), [5, 6, 9]);
    expectClose({ shape: f.pool.shape, data: pool }, f.pool, 1e-6, 'pool');
    expect(Array.from(flat)).toEqual(Array.from(pool));
    expectClose({ shape: f.fc.shape, data: fc }, f.fc, 1e-6, 'fc');
    expect(log.filter((l) => l.startsWith('free'))).toEqual(['free x', 'free conv', 'free relu', 'free pool', 'free fc']);
    runner.dispose();
  });

  it('reports a failing step with its op type and node', async () => {
    const plan = netPlan(f);
    // A weight matrix of the wrong width: the gemm cannot multiply (2, 27) by (5, 26)^T.
    plan.tensors[7] = { ...plan.tensors[7], shape: [5, 26], constant: new Float32Array(130) };
    const runner = new PlanRunner(plan, createReferenceKernels());
    await expect(runner.run(Float32Array.from(f.x.data), [9])).rejects.toThrow(/Gemm node fc1: gemm: op\(A\) is 2x27/);
    runner.dispose();
  });
});
