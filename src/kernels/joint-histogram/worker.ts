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
import { serveAsWorker } from '../../platform/worker-port.js';
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

type Post = (message: JointHistogramWorkerReply, transfer: Transferable[]) => void;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function serve(listen: (handler: (message: JointHistogramMessage) => void) => void, post: Post): void {
  let module: WebAssembly.Module | undefined;
  let kernel: WasmJointHistogramKernel | undefined;
  /** One message answered: its reply and the buffers it transfers. */
  const answer = async (msg: Exclude<JointHistogramMessage, JointHistogramInitMessage>): Promise<[JointHistogramWorkerReply, Transferable[]]> => {
    if (!module) throw new Error(`${msg.type} before init`);
    if (msg.type === 'columns') {
      const information = await columnsInformation(module, msg);
      return [{ type: 'result', id: msg.id, information }, information.flatMap((p) => [p.mi.buffer as ArrayBuffer, p.millerMadow.buffer as ArrayBuffer])];
    }
    if (msg.type === 'start') {
      kernel = await createWasmJointHistogramKernel(msg.spec, { module, rows: msg.rows, maxCount: msg.maxCount });
      return [{ type: 'result', id: msg.id }, []];
    }
    if (!kernel) throw new Error(`${msg.type} before start`);
    if (msg.type === 'add') {
      await kernel.add(msg.nets, msg.samples);
      return [{ type: 'result', id: msg.id }, []];
    }
    // The u32 counters copied as they are where no count passed 2^32 - 1 (half the bytes; the host widens them).
    const view = kernel.countsViewOfRows(msg.pair, msg.from, msg.to);
    const counts = view instanceof Uint32Array ? view.slice() : view;
    return [{ type: 'result', id: msg.id, counts }, [counts.buffer as ArrayBuffer]];
  };
  // Served in the order they arrive, one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  listen((msg) => {
    if (msg.type === 'init') {
      module = msg.module;
      return post({ type: 'ready' }, []);
    }
    queue = queue.then(() =>
      answer(msg).then(
        ([reply, transfer]) => post(reply, transfer),
        (e) => post({ type: 'error', id: msg.id, message: describe(e) }, []),
      ),
    );
  });
}

// Node only (./parallel.ts starts no workers elsewhere).
await serveAsWorker(serve);
