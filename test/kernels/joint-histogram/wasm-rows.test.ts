// The WASM joint histogram kernel counting only a range of rows (units of net a) of each pair, as
// each worker of the parallel kernel does: the rows' counts equal the reference's rows, and the
// blocks of any split of the rows, concatenated, equal the whole kernel's counts bit for bit.
import { describe, expect, it } from 'vitest';
import { createReferenceJointHistogramKernel } from '../../../src/kernels/joint-histogram/index.js';
import { splitRows } from '../../../src/kernels/joint-histogram/parallel.js';
import { createWasmJointHistogramKernel } from '../../../src/kernels/joint-histogram/wasm.js';
import { countBatches, expectBytesEqual, specWithSelfPairs } from './helpers.js';

const SAMPLES = [1031, 5, 262];
const cases = [
  { bins: 2, f64: [false, false, false] },
  { bins: 7, f64: [true, false, true] },
  { bins: 64, f64: [false, true, false] },
];

describe.each(cases)('WASM joint histogram rows, $bins bins', ({ bins, f64 }) => {
  const spec = specWithSelfPairs([7, 5, 9], bins, 3 * bins);
  const rowCells = spec.pairs.map(([, b]) => spec.units[b] * bins * bins);

  it('the rows of each pair equal the reference rows, and the blocks of a split concatenate to the whole', async () => {
    const whole = await countBatches(createReferenceJointHistogramKernel(spec), spec, SAMPLES, f64, 5);
    expectBytesEqual(await countBatches(await createWasmJointHistogramKernel(spec), spec, SAMPLES, f64, 5), whole);
    // Ragged ranges (an empty one, a single row, all rows) and the parallel kernel's even splits.
    const ragged: [number, number][] = [[0, 0], [4, 5], [0, 9], [2, 7]];
    for (const rows of [ragged, ...[2, 3, 4].flatMap((t) => splitRows(spec, t))]) {
      // A low maxCount: the counters are flushed into float64 totals mid-stream.
      for (const maxCount of [undefined, 300]) {
        const kernel = await createWasmJointHistogramKernel(spec, { rows, maxCount });
        const got = await countBatches(kernel, spec, SAMPLES, f64, 5);
        expectBytesEqual(got, rows.map(([r0, r1], p) => whole[p].slice(r0 * rowCells[p], r1 * rowCells[p])));
        // Blocks of the rows read in parts, as the parallel kernel's workers hand them over.
        rows.forEach(([r0, r1], p) => {
          const parts = [0, 1, r1 - r0].map((at) => Math.min(at, r1 - r0));
          const joined = new Float64Array((r1 - r0) * rowCells[p]);
          joined.set(kernel.countsOfRows(p, parts[0], parts[1]), 0);
          joined.set(kernel.countsOfRows(p, parts[1], parts[2]), parts[1] * rowCells[p]);
          expectBytesEqual([joined], [got[p]]);
        });
      }
    }
  });
});

describe('WASM joint histogram rows: refusals', () => {
  const spec = specWithSelfPairs([7, 5, 9], 3, 1);
  it('refuses ranges of the wrong count or outside net a, naming the pair', async () => {
    await expect(createWasmJointHistogramKernel(spec, { rows: [[0, 7]] })).rejects.toThrow(/row ranges for 1 pairs, but the spec has 4/);
    await expect(createWasmJointHistogramKernel(spec, { rows: [[0, 7], [0, 6], [0, 9], [0, 7]] })).rejects.toThrow(/pair 1: bad row range \[0, 6\) of 5 units/);
    await expect(createWasmJointHistogramKernel(spec, { rows: [[3, 2], [0, 5], [0, 9], [0, 7]] })).rejects.toThrow(/pair 0: bad row range \[3, 2\)/);
    const kernel = await createWasmJointHistogramKernel(spec, { rows: [[1, 3], [0, 5], [0, 9], [0, 7]] });
    expect(() => kernel.countsOfRows(0, 0, 3)).toThrow(/pair 0: bad rows \[0, 3\) of 2/);
  });
});

describe('WASM joint histogram, a batch binned a few units at a time', () => {
  it('equals the reference where a batch is over the 8 MiB input buffer (chunks of 2 units and 1; float32 and float64)', async () => {
    // 400,003 samples: 3.2 MB a unit in float64, so 2 units a chunk; net 1 has 5 units (2, 2, 1).
    const spec = specWithSelfPairs([3, 5], 5, 17);
    const f64 = [false, true];
    const sizes = [400_003];
    const want = await countBatches(createReferenceJointHistogramKernel(spec), spec, sizes, f64, 11);
    expectBytesEqual(await countBatches(await createWasmJointHistogramKernel(spec), spec, sizes, f64, 11), want);
  });
});
