// What a user would otherwise run: onnxruntime on the same nets, weights, input and fetches (every
// ReLU output and the class scores are graph outputs of the bench nets).
// - onnxruntime-web, WASM backend (SIMD, threaded build). Its thread count is fixed when the WASM
//   module starts, once per process, so each count is its own part. In Node it runs its threads
//   as worker_threads; the part reports the threads the process gained, to show they really ran.
// - onnxruntime-node, the native CPU provider (MLAS), with intraOpNumThreads per session.
import { readdirSync } from 'node:fs';
import { encodeOnnx } from '../src/inputs/onnx/encode.js';
import { alexnet, lenet, type BenchNet } from './forward-models.js';
import { benchInput, forwardRow, medianBatchSeconds } from './forward-timing.js';
import type { ForwardPart } from './types.js';

/** The subset of onnxruntime's API (web and node share it) that the bench uses. */
interface OrtLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  InferenceSession: {
    create(bytes: Uint8Array, options: Record<string, unknown>): Promise<{
      run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
}

/** Threads of this process, from /proc (Linux); null elsewhere. */
function processThreads(): number | null {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

async function timeOrt(ort: OrtLike, net: BenchNet, runner: string, threads: number, options: Record<string, unknown>, part: ForwardPart): Promise<void> {
  const session = await ort.InferenceSession.create(encodeOnnx(net.model), options);
  try {
    const input = new ort.Tensor('float32', benchInput(net), [net.batch, ...net.itemShape]);
    let out: Record<string, { data: unknown }> = {};
    const timing = await medianBatchSeconds(async () => (out = await session.run({ input }, net.captures)));
    part.rows.push(forwardRow(net, runner, threads, false, timing, out[net.captures[net.captures.length - 1]].data as Float32Array));
  } finally {
    await session.release();
  }
}

export async function benchOrtWebForward(threads: number): Promise<ForwardPart> {
  const part: ForwardPart = { rows: [], notes: [] };
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const before = processThreads();
  for (const net of [lenet(), alexnet()]) {
    await timeOrt(ort as unknown as OrtLike, net, 'onnxruntime-web wasm', threads, { executionProviders: ['wasm'] }, part);
  }
  const after = processThreads();
  part.notes.push(
    `onnxruntime-web ${ort.env.versions.web} in Node (numThreads = ${ort.env.wasm.numThreads}, SIMD ${ort.env.wasm.simd !== false ? 'on' : 'off'}): it starts numThreads - 1 worker threads with the first session; the process went from ${before ?? '?'} to ${after ?? '?'} threads`,
  );
  return part;
}

export async function benchOrtNodeForward(threadCounts = [1, 2]): Promise<ForwardPart> {
  const part: ForwardPart = { rows: [], notes: [] };
  const ort = await import('onnxruntime-node');
  for (const threads of threadCounts) {
    for (const net of [lenet(), alexnet()]) {
      await timeOrt(ort as unknown as OrtLike, net, 'onnxruntime-node cpu', threads, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 }, part);
    }
  }
  part.notes.push(`onnxruntime-node ${ort.env.versions.node ?? ''} (CPU execution provider, intraOpNumThreads = 1 and 2)`);
  return part;
}
