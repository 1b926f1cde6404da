// The worker side of the parallel joint histogram kernel (./parallel.ts): one WASM joint histogram
// kernel (./wasm.ts) per thread, counting its own rows of every pair. The batches arrive in
// SharedArrayBuffers that every worker reads (never writes), so a batch is copied once, not once
// per worker; the counts leave in blocks of rows, a new array each (the u32 counters, or float64
// once a count passed 2^32 - 1), transferred.
//
// Messages in:  { type: 'init', module }, then { type: 'start', id, spec, rows, maxCount? } once,
//               then any number of { type: 'add', id, nets, samples } and
//               { type: 'counts', id, pair, from, to } (rows relative to this worker's range).
//               Or, for the binned columns (./parallel-columns.ts): { type: 'columns', id, spec,
//               bins, filled, rows }: the pairs' MI over those rows, from the bins of every unit.
// Messages out: { type: 'ready' } | { type: 'result', id, counts?, information? } | { type: 'error', id?, message }.
// Requests are served one after another, in the order they arrive.
import { serveRequests, type Answer } from '../../platform/worker-port.js';
import type { JointHistogramSpec } from './contract.js';
import { createWasmJointHistogramKernel, type WasmJointHistogramKernel } from './wasm.js';
import { BinnedColumns, type PairInformationArrays } from './binned-columns.js';

/** The MI of the pairs' rows from the bins of every unit, in this worker's own columns (freed after). */
async function columnsInformation(module: WebAssembly.Module, msg: JointHistogramColumnsMessage): Promise<PairInformationArrays[]> {
  const columns = await BinnedColumns.create(msg.spec, msg.filled, module);
  try {
    columns.addBins(msg.bins, msg.filled);
    return columns.information(undefined, msg.rows);
  } finally {
    columns.dispose();
  }
}

export interface JointHistogramInitMessage {
  type: 'init';
  module: WebAssembly.Module;
}
export interface JointHistogramStartMessage {
  type: 'start';
  id: number;
  spec: JointHistogramSpec;
  rows: [number, number][];
  maxCount?: number;
}
export interface JointHistogramAddMessage {
  type: 'add';
  id: number;
  nets: (Float32Array | Float64Array)[];
  samples: number;
}
export interface JointHistogramCountsMessage {
  type: 'counts';
  id: number;
  pair: number;
  from: number;
  to: number;
}
export interface JointHistogramColumnsMessage {
  type: 'columns';
  id: number;
  spec: JointHistogramSpec;
  /** Per net, [units, filled] unit-major bins (in SharedArrayBuffers, read only). */
  bins: Uint8Array[];
  filled: number;
  rows: [number, number][];
}
export type JointHistogramMessage = JointHistogramInitMessage | JointHistogramStartMessage | JointHistogramAddMessage | JointHistogramCountsMessage | JointHistogramColumnsMessage;
export type JointHistogramWorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; counts?: Uint32Array | Float64Array; information?: PairInformationArrays[] }
  | { type: 'error'; id?: number; message: string };

/** The worker's module, and its kernel once started. */
interface HistogramState {
  module: WebAssembly.Module;
  kernel?: WasmJointHistogramKernel;
}

/** One message after the init, answered with its reply and the buffers it transfers. */
async function answer(state: HistogramState, msg: Exclude<JointHistogramMessage, JointHistogramInitMessage>): Promise<Answer<JointHistogramWorkerReply>> {
  if (msg.type === 'columns') {
    const information = await columnsInformation(state.module, msg);
    return [{ type: 'result', id: msg.id, information }, information.flatMap((p) => [p.mi.buffer as ArrayBuffer, p.millerMadow.buffer as ArrayBuffer])];
  }
  if (msg.type === 'start') {
    state.kernel = await createWasmJointHistogramKernel(msg.spec, { module: state.module, rows: msg.rows, maxCount: msg.maxCount });
    return [{ type: 'result', id: msg.id }, []];
  }
  if (!state.kernel) throw new Error(`${msg.type} before start`);
  if (msg.type === 'add') {
    await state.kernel.add(msg.nets, msg.samples);
    return [{ type: 'result', id: msg.id }, []];
  }
  // The u32 counters copied as they are where no count passed 2^32 - 1 (half the bytes; the host widens them).
  const view = state.kernel.countsViewOfRows(msg.pair, msg.from, msg.to);
  const counts = view instanceof Uint32Array ? view.slice() : view;
  return [{ type: 'result', id: msg.id, counts }, [counts.buffer as ArrayBuffer]];
}

// Node only (./parallel.ts starts no workers elsewhere).
await serveRequests<JointHistogramInitMessage, Exclude<JointHistogramMessage, JointHistogramInitMessage>, HistogramState, JointHistogramWorkerReply>((msg) => ({ module: msg.module }), answer);
