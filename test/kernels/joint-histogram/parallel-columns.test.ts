// The MI of unit pairs from binned columns counted by rows (BinnedColumns.information with row
// ranges) and on worker threads (parallel-columns.ts): the rows' results equal the whole count's
// rows, and 2 and 3 workers give one thread's arrays bit for bit; a failing worker is named in the
// rejection. The workers are the compiled ones (`npm run build:ts`).
import { describe, expect, it } from 'vitest';
import { BinnedColumns, type PairInformationArrays } from '../../../src/kernels/joint-histogram/binned-columns.js';
import { columnsInformationOnThreads } from '../../../src/kernels/joint-histogram/parallel-columns.js';
import { splitRows, usefulThreads } from '../../../src/kernels/joint-histogram/parallel.js';
import { inlineWorkerPrelude } from '../../../src/platform/workers.js';
import { expectBytesEqual, gridBatch, specWithSelfPairs } from './helpers.js';

const SAMPLES = [1031, 4, 262];

async function filledColumns(bins: number, f64: boolean[]) {
  const spec = specWithSelfPairs([7, 5, 9], bins, 5 * bins);
  const columns = await BinnedColumns.create(spec, SAMPLES.reduce((a, b) => a + b, 0) + 3);
  for (const [i, n] of SAMPLES.entries()) columns.add(spec.units.map((d, k) => gridBatch(d, n, 31 + 97 * i + k, f64[k])), n);
  return { spec, columns };
}

const flat = (arrays: PairInformationArrays[]) => arrays.flatMap((p) => [p.mi, p.millerMadow]);

describe.each([
  { bins: 2, f64: [false, false, false] },
  { bins: 7, f64: [true, false, true] },
  { bins: 64, f64: [false, true, false] },
])('binned columns by rows and on threads, $bins bins', ({ bins, f64 }) => {
  it('row ranges give the whole count rows; 2 and 3 threads the one-thread arrays bit for bit', async () => {
    const { spec, columns } = await filledColumns(bins, f64);
    const bytes = spec.units.map((_, k) => columns.bins(k).slice());
    const filled = columns.filled;
    const whole = columns.information();
    const rowCells = spec.pairs.map(([, b]) => spec.units[b]);
    for (const rows of [[[0, 0], [4, 5], [0, 9], [2, 7]] as [number, number][], ...splitRows(spec, 3)]) {
      const again = await BinnedColumns.create(spec, filled);
      again.addBins(bytes, filled);
      const got = again.information(undefined, rows);
      const want = whole.map((p, i) => ({ mi: p.mi.slice(rows[i][0] * rowCells[i], rows[i][1] * rowCells[i]), millerMadow: p.millerMadow.slice(rows[i][0] * rowCells[i], rows[i][1] * rowCells[i]) }));
      expectBytesEqual(flat(got), flat(want));
    }
    for (const threads of [2, 3]) {
      expect(usefulThreads(spec, threads, 0)).toBe(threads);
      expectBytesEqual(flat(await columnsInformationOnThreads(spec, bytes, filled, threads)), flat(whole));
    }
  });
});

describe('binned columns on threads: a worker that fails', () => {
  it('rejects naming the worker, and refuses bad row ranges', async () => {
    const { spec, columns } = await filledColumns(3, [false, false, false]);
    const bytes = spec.units.map((_, k) => columns.bins(k).slice());
    const source = { script: (platform: 'node' | 'web') => `${inlineWorkerPrelude(platform)}\nlisten((m) => m.type === 'init' ? reply({ type: 'ready' }) : reply({ type: 'error', id: m.id, message: 'WASM memory exhausted' }));\n` };
    await expect(columnsInformationOnThreads(spec, bytes, columns.filled, 2, source)).rejects.toThrow(/joint histogram worker \d of 2: WASM memory exhausted/);
    expect(() => columns.information(undefined, [[0, 8], [0, 5], [0, 9], [0, 7]])).toThrow(/pair 0: bad row range \[0, 8\) of 7 units/);
  });
});
