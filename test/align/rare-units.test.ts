// The rare-unit rule end to end: two one-layer ONNX nets whose fc1 units fire on 1, 3, 6 or most
// of 37 images (biases chosen for that), probed on every backend (webgpu: the per-item maxima
// come from the device), then aligned. The counts in RUN/reducers/topk/fc1/<net>.active.npy must
// be those of the activations themselves (brute force over the same float32 forward pass), the
// top-k records must have empty slots instead of fillers, and align must flag the rare units in
// units.csv and summary.csv and leave them out of matching like dead ones; `minActiveImages: 0`
// turns the rule off.
import { fromCSV } from 'arquero';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { BackendKind } from '../../src/backend/types.js';
import { openImageSource } from '../../src/inputs/data/source.js';
import { seededNormal } from '../../src/util/random.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probeOnnx } from '../../src/probe/forward-probe.js';
import { buildReport } from '../../src/report/build.js';
import { checkMinActiveImages } from '../../src/align/rare-units.js';
import { webgpuAvailability } from '../helpers/webgpu.js';

const N = 37; // not a multiple of the batch size below
const FEATURES = 6; // each item: (1, 2, 3)
const UNITS = 5;
const BATCH = 8;

/** fc1 = relu(x W' + b): unit u reads feature u (plus a little of the next), shifted by -bias[u]. */
function weights(net: number): Float32Array {
  const next = seededNormal(40 + net);
  return Float32Array.from({ length: UNITS * FEATURES }, (_, k) => {
    const [u, f] = [Math.floor(k / FEATURES), k % FEATURES];
    return f === u ? 1 : f === u + 1 ? 0.1 * next() : 0;
  });
}

/** Biases that make unit u fire on exactly `target[u]` of the images: minus the target-th largest pre-activation. */
function biases(pre: Float64Array[], targets: number[]): Float32Array {
  return Float32Array.from(targets, (t, u) => {
    const sorted = pre.map((row) => row[u]).sort((a, b) => b - a);
    return -(sorted[t - 1] + sorted[t]) / 2;
  });
}

function model(name: string, w: Float32Array, b: Float32Array) {
  const m = new OnnxBuilder(name);
  m.input('x', ['N', 1, 2, 3]);
  m.node('Flatten', ['x'], ['f'], { axis: 1 });
  m.initializer('w', [UNITS, FEATURES], w);
  m.initializer('b', [UNITS], b);
  m.node('Gemm', ['f', 'w', 'b'], ['g'], { transB: 1 });
  m.node('Relu', ['g'], ['r']);
  m.output('r', ['N', UNITS]);
  return m.build({ opset: 13 });
}

async function prepare() {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-rare-units-'));
  const next = seededNormal(9);
  const images = Float32Array.from({ length: N * FEATURES }, () => next());
  await writeNpy(join(dir, 'images.npy'), images, [N, 1, 2, 3]);
  // Unit targets: 1 image (the demo's case), 3, 6, and two that fire on most images.
  const targets = [[1, 3, 6, 30, 25], [3, 1, 28, 6, 31]];
  const nets = [];
  const active: number[][] = [];
  for (const [k, target] of targets.entries()) {
    const w = weights(k);
    const pre = Array.from({ length: N }, (_, i) => Float64Array.from({ length: UNITS }, (_, u) => {
      let s = 0;
      for (let f = 0; f < FEATURES; f++) s += Math.fround(images[i * FEATURES + f]) * w[u * FEATURES + f];
      return s;
    }));
    const b = biases(pre, target);
    // The oracle: images on which each unit's output is above 0 (margins are far above float32 rounding).
    active.push(Array.from({ length: UNITS }, (_, u) => pre.filter((row) => row[u] + b[u] > 0).length));
    const path = join(dir, `net${k + 1}.onnx`);
    await writeFile(path, encodeOnnx(model(`net${k + 1}`, w, b)));
    nets.push({ name: `net${k + 1}`, path });
  }
  return { dir, nets, active, targets };
}

const registry = new PluginRegistry();
registry.add(builtinPlugin, 'built-in');

async function table(run: string, name: string) {
  return fromCSV(await readFile(join(run, 'tables', `${name}.csv`), 'utf8')).objects() as Record<string, unknown>[];
}

describe('rare units', async () => {
  const { available: gpuAvailable } = await webgpuAvailability();
  for (const kind of ['wasm', ...(gpuAvailable ? ['webgpu'] : [])] as BackendKind[]) {
    it(`are counted by the probe, flagged and left out of matching by align (${kind})`, async () => {
      const { dir, nets, active, targets } = await prepare();
      expect(active).toEqual(targets); // the biases did what they were meant to
      const backend = await createBackend(kind, { threads: 2 });
      const run = join(dir, 'run');
      try {
        const data = await openImageSource(join(dir, 'images.npy'), { itemShape: [1, 2, 3] });
        await probeOnnx({ nets, data, out: run, backend, batchItems: BATCH, patches: false });
        await data.close();
        const result = JSON.parse(await readFile(join(run, 'reducers', 'topk', 'fc1', 'result.json'), 'utf8'));
        for (const [k, net] of ['net1', 'net2'].entries()) {
          const counts = (await readNpy(join(run, 'reducers', 'topk', 'fc1', `${net}.active.npy`))).data;
          expect(Array.from(counts), net).toEqual(active[k]);
          expect(result.nets[net].images).toBe(N);
          // No fillers: a unit firing on m < 9 images has m records, then empty slots.
          const items = Array.from((await readNpy(join(run, 'reducers', 'topk', 'fc1', `${net}.items.npy`))).data);
          for (let u = 0; u < UNITS; u++) {
            const slots = items.slice(u * 9, u * 9 + 9);
            const filled = Math.min(9, active[k][u]);
            expect(slots.slice(filled).every((i) => i === -1), `${net} unit ${u}`).toBe(true);
            expect(slots.slice(0, filled).every((i) => i >= 0), `${net} unit ${u}`).toBe(true);
          }
        }

        const logs: string[] = [];
        await align({ run, backend, registry: registry.methods, methods: ['semi', 'bipartite'], minActiveImages: 5, log: (m) => logs.push(m) });
        expect(logs.join('\n')).toMatch(/layer fc1: units firing on fewer than 5 of 37 images are left out like dead units \(--min-active-images\): net1 2, net2 2/);
        const units = await table(run, 'units');
        for (const [k, net] of ['net1', 'net2'].entries()) {
          const rows = units.filter((r) => r.net === net);
          expect(rows.map((r) => r.active_images), net).toEqual(active[k]);
          expect(rows.map((r) => r.rare), net).toEqual(active[k].map((m) => m < 5));
          expect(rows.every((r) => r.dead === false), net).toBe(true);
        }
        const summary = await table(run, 'summary');
        expect([summary[0].dead_a, summary[0].dead_b, summary[0].rare_a, summary[0].rare_b]).toEqual([0, 0, 2, 2]);
        const matches = await table(run, 'matches');
        for (const r of matches) {
          const [k, other] = r.net_a === 'net1' ? [0, 1] : [1, 0];
          const rareA = active[k][Number(r.unit_a)] < 5;
          // A rare unit has no partner, and is no one's partner.
          expect(r.semi_unit_b === null || r.semi_unit_b === undefined, `${r.net_a} unit ${r.unit_a}`).toBe(rareA);
          if (typeof r.semi_unit_b === 'number') expect(active[other][r.semi_unit_b]).toBeGreaterThanOrEqual(5);
          if (typeof r.bipartite_unit_b === 'number') expect(active[other][r.bipartite_unit_b]).toBeGreaterThanOrEqual(5);
        }
        const corr = (await readNpy(join(run, 'stats', 'fc1', 'corr.net1.net2.npy'))).data;
        expect(Number.isNaN(corr[0 * UNITS + 0])).toBe(true); // net1 unit 0 fires on 1 image
        // The report flags them: rare counts in the headline, their ids in "Dead and rare units".
        const report = await buildReport({ run });
        expect(report.sections.find((s) => s.id === 'headline')!.html).toMatch(/<th class="num"[^>]*>rare A\/B<\/th>[\s\S]*<td class="num">2\/2<\/td>/);
        const dead = report.sections.find((s) => s.id === 'dead')!.html;
        const rareIds = (k: number) => active[k].flatMap((m, u) => (m < 5 ? [u] : [])).join(', ');
        expect(dead).toContain(`<td>fc1</td><td>net1</td><td class="num">5</td><td class="num">0</td><td class="num">0.0%</td><td class="num">2</td><td class="num">40.0%</td><td>–</td><td>${rareIds(0)}</td>`);
        expect(dead).toContain(`<td>${rareIds(1)}</td>`);

        // The rule off: every unit that is not constant is matched.
        await align({ run, backend, registry: registry.methods, methods: ['semi', 'bipartite'], minActiveImages: 0 });
        expect((await table(run, 'units')).some((r) => r.rare === true)).toBe(false);
        expect((await table(run, 'matches')).every((r) => typeof r.semi_unit_b === 'number')).toBe(true);
      } finally {
        await backend.dispose();
      }
    }, 60_000);
  }

  it('refuses a --min-active-images that is not a whole number >= 0, naming the flag', () => {
    for (const bad of [-1, 1.5, 'abc', Number.NaN]) expect(() => checkMinActiveImages(bad)).toThrow(/--min-active-images must be a whole number >= 0/);
    expect(checkMinActiveImages(0)).toBe(0);
    expect(checkMinActiveImages('12')).toBe(12);
    // The command refuses it while parsing: before opening a device or reading the run.
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'align', join(tmpdir(), 'no-such-run'), '--min-active-images', '-3'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--min-active-images must be a whole number >= 0 (0 turns the rare-unit rule off), got -3');
    expect(r.stderr).not.toMatch(/backend|not a run directory/);
  });
});
