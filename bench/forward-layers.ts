// Where the forward time goes, layer by layer: our WASM kernels (one thread, in this thread, each
// plan step timed around its kernel call) against onnxruntime-node's CPU provider on one thread
// (its own per-node profile, `enableProfiling`). Same net (bench/forward-models.ts alexnet), same
// batch; the two sides alternate round by round and each step's figure is its median over the
// rounds. Ours are CPU times (the machine is shared), onnxruntime's per-node times are its
// profile's (wall), its whole pass CPU time like ours. Run: `node dist/bench/forward-layers.js [batch] [rounds]`.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePlan } from '../src/forward/compile.js';
import { PlanRunner } from '../src/forward/executor.js';
import { tensorIdOf } from '../src/forward/engine.js';
import { createWasmKernels } from '../src/forward/wasm/kernels.js';
import type { WasmTensor } from '../src/forward/wasm/kernels.js';
import type { OpKernels } from '../src/forward/kernels.js';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { alexnet } from './forward-models.js';
import { benchInput } from './forward-timing.js';
import { alternate, loadLine, median } from './alternation.js';

interface OrtProfileEvent {
  cat: string;
  name: string;
  dur: number;
}

/** CPU milliseconds of this process since `since` (the machine is shared: wall time is not ours). */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

const batch = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 5);
const net = alexnet();
const input = benchInput(net).subarray(0, batch * 3 * 227 * 227);

// Ours: time every step's kernel call (the executor calls kernels.run once per step).
const kernels = await createWasmKernels();
const stepMs = new Map<string, number[]>();
let roundMs = new Map<string, number>();
const timed: OpKernels<WasmTensor> = {
  ...kernels,
  run(step, plan, inputs, output) {
    const t0 = process.cpuUsage();
    kernels.run(step, plan, inputs, output);
    roundMs.set(step.node, (roundMs.get(step.node) ?? 0) + cpuMs(t0));
  },
};
const plan = compilePlan(net.model, [batch, ...net.itemShape], { captures: net.captures });
const runner = new PlanRunner(plan, timed);
const capture = net.captures.map((c) => tensorIdOf(plan, c, net.name));

// onnxruntime-node, one thread, profiling on: one profile file per session, read at the end.
const ort = await import('onnxruntime-node');
const dir = mkdtempSync(join(tmpdir(), 'ort-prof-'));
const session = await ort.InferenceSession.create(encodeOnnx(net.model), {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: join(dir, 'p'),
});
const feeds = { input: new ort.Tensor('float32', input, [batch, ...net.itemShape]) };

// Two warm-up calls each (tier-up, allocations).
for (let i = 0; i < 2; i++) {
  await runner.run(input, capture);
  await session.run(feeds, net.captures);
}
const totals = await alternate(rounds, [
  [
    'ours',
    async () => {
      roundMs = new Map();
      const t0 = process.cpuUsage();
      await runner.run(input, capture);
      const ms = cpuMs(t0);
      for (const [k, v] of roundMs) stepMs.set(k, [...(stepMs.get(k) ?? []), v]);
      return ms;
    },
  ],
  [
    'ort',
    async () => {
      const t0 = process.cpuUsage();
      await session.run(feeds, net.captures);
      return cpuMs(t0);
    },
  ],
]);
session.endProfiling();
await session.release();
const profile = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OrtProfileEvent[])[0];
rmSync(dir, { recursive: true });
// Per node: kernel times of the measured rounds (the last `rounds` runs of each node).
const ortNode = new Map<string, number[]>();
for (const e of profile) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const node = e.name.replace(/_kernel_time$/, '');
  ortNode.set(node, [...(ortNode.get(node) ?? []), e.dur / 1000]);
}
console.log(`alexnet batch ${batch}, ${rounds} rounds alternated, one thread each; ${loadLine()}`);
console.log(`whole pass (CPU ms of the process, median): ours ${median(totals.ours).toFixed(1)}, onnxruntime-node ${median(totals.ort).toFixed(1)}`);
console.log('| layer | ours ms | onnxruntime-node ms | ours / onnxruntime |');
console.log('| --- | ---: | ---: | ---: |');
// onnxruntime fuses each ReLU into the conv or fc before it (named after the ReLU, with an
// `_nchwc` or `fused ` mark) and adds layout reorders: both sides are summed per layer.
const layerOf = (node: string): string => {
  const name = node.replace(/^fused /, '').replace(/_nchwc$/, '');
  const relu = /^relu(\d+)$/.exec(name);
  if (relu) return Number(relu[1]) <= 5 ? `conv${relu[1]}` : `fc${relu[1]}`;
  return /^Reorder/.test(name) ? 'layout reorders' : name;
};
const perLayer = (times: Map<string, number[]>, last: number) => {
  const out = new Map<string, number>();
  for (const [node, ms] of times) out.set(layerOf(node), (out.get(layerOf(node)) ?? 0) + median(ms.slice(-last)));
  return out;
};
const ours = perLayer(stepMs, rounds);
const theirs = perLayer(ortNode, rounds);
for (const layer of new Set([...ours.keys(), ...theirs.keys()])) {
  const om = ours.get(layer) ?? 0;
  const rm = theirs.get(layer) ?? 0;
  console.log(`| ${layer} | ${om.toFixed(2)} | ${rm.toFixed(2)} | ${rm > 0 ? (om / rm).toFixed(2) + 'x' : '-'} |`);
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`| sum of kernels | ${sum(ours).toFixed(1)} | ${sum(theirs).toFixed(1)} | ${(sum(ours) / sum(theirs)).toFixed(2)}x |`);
