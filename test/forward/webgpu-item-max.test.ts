// shaders/forward_item_max.wgsl against its plain-TS definition, planeMaxima() (src/probe/reducers/topk.ts):
// maps of one position up to several workgroup sweeps (1 to 256 lanes a plane, several planes a
// workgroup, plane counts that leave a workgroup part-filled), many ties (values drawn from a
// handful of levels, so "the first position" is exercised), all-negative maps; sources read from
// an unaligned offset, results written at an offset of a shared output, several jobs in one
// encoder, and blocks split into chunks when a binding is too small for them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededUniform } from '../../src/util/random.js';
import { createItemMaxKernel, type ItemMaxJob } from '../../src/forward/webgpu/item-max.js';
import { acquireGpu, withGpuErrorScope, type GpuContext } from '../../src/platform/webgpu.js';
import { planeMaxima } from '../../src/probe/reducers/topk.js';
import { webgpuAvailability } from '../helpers/webgpu.js';

const { available } = await webgpuAvailability();

// GPUBufferUsage / GPUMapMode, spelled out (the DOM typings lack the globals in Node).
const STORAGE = 0x80;
const COPY_DST = 0x08;
const COPY_SRC = 0x04;
const MAP_READ = 0x01;
const SENTINEL = 0xdeadbeef;

interface Case {
  name: string;
  planes: number;
  size: number;
  levels: number;
  offset: number;
}

const cases: Case[] = [
  { name: 'one position (dense layers)', planes: 37, size: 1, levels: 0, offset: 0 },
  { name: 'odd map, continuous values', planes: 29, size: 7 * 11, levels: 0, offset: 0 },
  { name: 'small map, several planes per workgroup, ties', planes: 50, size: 20, levels: 2, offset: 0 },
  { name: 'map over one workgroup sweep, many ties', planes: 13, size: 300, levels: 4, offset: 0 },
  { name: 'large map, ties, all negative', planes: 9, size: 55 * 55, levels: 3, offset: -5 },
  { name: 'ties everywhere (one level)', planes: 5, size: 1000, levels: 1, offset: 2 },
];

function dataOf(c: Case): Float32Array {
  const next = seededUniform(c.planes * 1000 + c.size);
  return Float32Array.from({ length: c.planes * c.size }, () => (c.levels > 0 ? Math.floor(next() * c.levels) : next()) + c.offset);
}

describe.runIf(available)('item max shader', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = (await acquireGpu({ allowSoftware: true }))!;
  });
  afterAll(() => gpu?.release());

  /**
   * Runs every case as one job of a single encode(): case j's planes start `lead` floats into
   * its source and its results at word `base_j` of one shared output. Checks that the words
   * around the results are untouched and returns each case's (values, positions).
   */
  async function onDevice(all: Case[], lead: number, maxBindingBytes?: number) {
    const device = gpu.device;
    const kernel = createItemMaxKernel(device, { maxBindingBytes });
    const created: GPUBuffer[] = [];
    try {
      return await withGpuErrorScope(device, async () => {
        let words = 3;
        const bases = all.map((c) => {
          const base = words;
          words += 2 * c.planes + 1; // a gap word after each result
          return base;
        });
        const out = device.createBuffer({ size: words * 4, usage: STORAGE | COPY_DST | COPY_SRC });
        const read = device.createBuffer({ size: words * 4, usage: MAP_READ | COPY_DST });
        created.push(out, read);
        device.queue.writeBuffer(out, 0, new Uint32Array(words).fill(SENTINEL));
        const jobs: ItemMaxJob[] = all.map((c, j) => {
          const src = device.createBuffer({ size: (lead + c.planes * c.size) * 4, usage: STORAGE | COPY_DST });
          created.push(src);
          device.queue.writeBuffer(src, lead * 4, dataOf(c));
          return { src, srcOffset: lead, planes: c.planes, size: c.size, out, base: bases[j] };
        });
        const encoder = device.createCommandEncoder();
        kernel.encode(encoder, jobs);
        encoder.copyBufferToBuffer(out, 0, read, 0, words * 4);
        device.queue.submit([encoder.finish()]);
        await read.mapAsync(MAP_READ);
        const raw = new Uint32Array(read.getMappedRange().slice(0));
        read.unmap();
        const untouched = [0, 1, 2, ...bases.map((b, j) => b + 2 * all[j].planes)];
        for (const i of untouched) expect(raw[i], `word ${i} outside the results`).toBe(SENTINEL);
        return all.map((c, j) => ({ values: new Float32Array(raw.buffer, bases[j] * 4, c.planes), positions: raw.slice(bases[j] + c.planes, bases[j] + 2 * c.planes) }));
      });
    } finally {
      kernel.destroy();
      for (const b of created) b.destroy();
    }
  }

  for (const c of cases) {
    it(`${c.name}: ${c.planes} planes x ${c.size} positions`, async () => {
      const want = planeMaxima(dataOf(c), c.planes, c.size);
      for (const lead of [0, 13]) {
        const [got] = await onDevice([c], lead);
        expect(got.values).toEqual(want.values);
        expect(got.positions).toEqual(want.positions);
      }
    });
  }

  it('runs several jobs in one encoder, and splits blocks over small bindings into chunks', async () => {
    const wants = cases.map((c) => planeMaxima(dataOf(c), c.planes, c.size));
    const align = gpu.device.limits.minStorageBufferOffsetAlignment;
    // Room for 3 planes of the largest map per binding: the other maps get a few dozen, each chunk bound from an aligned offset.
    for (const maxBindingBytes of [undefined, align + 3 * 55 * 55 * 4]) {
      const got = await onDevice(cases, 7, maxBindingBytes);
      got.forEach((g, j) => {
        expect(g.values, cases[j].name).toEqual(wants[j].values);
        expect(g.positions, cases[j].name).toEqual(wants[j].positions);
      });
    }
  });

  it('refuses a source or an output too small for the job', () => {
    const kernel = createItemMaxKernel(gpu.device);
    const small = gpu.device.createBuffer({ size: 16, usage: STORAGE });
    const encoder = gpu.device.createCommandEncoder();
    try {
      const job = { src: small, srcOffset: 0, planes: 3, size: 1, out: small, base: 0 };
      expect(() => kernel.encode(encoder, [job])).toThrow(/words 0\.\.6 overflow the output's 16 bindable bytes/);
      expect(() => kernel.encode(encoder, [{ ...job, size: 2 }])).toThrow(/item max of 3 planes x 2 positions from float 0: overflows the source of 16 bytes/);
    } finally {
      encoder.finish();
      small.destroy();
      kernel.destroy();
    }
  });
});
