// The unit pairs of binned columns (./binned-columns.ts) counted and reduced to MI on worker
// threads (./worker.ts), for the `mi-histograms` reducer's columns counting at fc size
// (src/probe/reducers/mi-columns.ts). Every worker gets the bins of every unit (copied once into
// SharedArrayBuffers, then into each worker's own WASM memory) and counts its own contiguous range
// of rows (units of net a) of every pair, the same work per row; the blocks are put together in
// order. Each pair's MI depends on its two columns only, so the results are those of one thread
// bit for bit.
//
// Memory: each worker holds a copy of the columns (a byte per unit and sample) while it counts,
// besides the shared copy: so `threads` + 1 copies at the end, where one thread holds one (the
// caller lets its own go before). Where that is too much, use fewer threads (--threads).
import type { WorkerSource } from '../../platform/workers.js';
import type { PairInformationArrays } from './binned-columns.js';
import type { JointHistogramSpec } from './contract.js';
import { splitRows, startHistogramWorkers } from './parallel.js';

/**
 * Every pair of `spec` counted from `bins` (per net, [units, filled] unit-major, as
 * BinnedColumns.bins gives them) on `threads` workers (as many as usefulThreads(spec, ...) says:
 * 2 or more). The bins are copied before the call returns its promise. Rejects, naming the
 * worker, when one fails.
 */
export async function columnsInformationOnThreads(spec: JointHistogramSpec, bins: Uint8Array[], filled: number, threads: number, workerSource?: WorkerSource): Promise<PairInformationArrays[]> {
  const { units, pairs } = spec;
  // Copied before the first await, so that the caller may let its columns go at once.
  const shared = bins.map((b) => {
    const copy = new Uint8Array(new SharedArrayBuffer(b.length));
    copy.set(b);
    return copy;
  });
  const pool = await startHistogramWorkers(threads, workerSource);
  if (!pool) throw new Error('binned columns on threads: this platform starts no worker threads');
  try {
    const rows = splitRows(spec, threads);
    const parts = await Promise.all(rows.map((r, t) => pool.request(t, (id) => ({ type: 'columns', id, spec, bins: shared, filled, rows: r }), [])));
    return pairs.map(([a, b], p) => {
      const out = { mi: new Float64Array(units[a] * units[b]), millerMadow: new Float64Array(units[a] * units[b]) };
      parts.forEach((part, t) => {
        const at = rows[t][p][0] * units[b];
        out.mi.set(part.information![p].mi, at);
        out.millerMadow.set(part.information![p].millerMadow, at);
      });
      return out;
    });
  } finally {
    await pool.close();
  }
}
