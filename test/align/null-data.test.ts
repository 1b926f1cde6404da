// nullLayerData: the layer with no correspondence, from the `null` reducer's moments. Its
// headline numbers equal numpy's on the mismatched pairing (scripts/fixtures/null_pairs.py), dead
// units are left out as in the real layer, outputs that do not fit the layer are refused; end to
// end, `convergent probe --reducer null` on activation files writes numpy's null moments; and on
// two unrelated random nets the real and the null semi-matching means both lie in the chance band.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayerData, readManifest, readReducerOutput } from '../../src/align/align.js';
import { nullLayerData } from '../../src/align/null-data.js';
import type { LayerData } from '../../src/align/methods/types.js';
import { batchMomentsReference } from '../../src/kernels/moments/reference.js';
import { semiMatch } from '../../src/kernels/semi-matching/index.js';
import { nullPairsReducer } from '../../src/probe/reducers/null-pairs.js';
import type { ReducerLayer, ReducerOutput } from '../../src/probe/reducers/types.js';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { runPaths } from '../../src/run-dir/layout.js';
import { Rng } from '../helpers/rng.js';
import { contextFromMoments } from '../helpers/method-context.js';
import { convergent, tempDir } from '../cli/helpers.js';
import { FIXTURE, type NullFixtureLayer } from '../probe/reducers/null-pairs-fixture.js';

/** Per pair, the fixture's headline: the mean over a's live units of the best |corr| with b's (ab), and b's over a's (ba). */
function headline(data: LayerData): { a: number; b: number; ab: number; ba: number }[] {
  return data.pairs.map(([a, b]) => {
    const [da, db] = [data.nets[a].units, data.nets[b].units];
    const corr = data.correlation(a, b);
    const best = (rows: number, cols: number, at: (i: number, j: number) => number) => {
      let sum = 0;
      let live = 0;
      for (let i = 0; i < rows; i++) {
        let top = -1;
        for (let j = 0; j < cols; j++) if (Math.abs(at(i, j)) > top) top = Math.abs(at(i, j));
        // A dead unit's row is NaN throughout (top stays -1): left out, as the fixture leaves it out.
        if (top >= 0) (sum += top), live++;
      }
      return sum / live;
    };
    return { a, b, ab: best(da, db, (i, j) => corr[i * db + j]), ba: best(db, da, (j, i) => corr[i * db + j]) };
  });
}

function expectHeadline(got: ReturnType<typeof headline>, want: ReturnType<typeof headline>): void {
  expect(got.map(({ a, b }) => [a, b])).toEqual(want.map(({ a, b }) => [a, b]));
  got.forEach((g, p) => {
    expect(Math.abs(g.ab - want[p].ab)).toBeLessThan(1e-9);
    expect(Math.abs(g.ba - want[p].ba)).toBeLessThan(1e-9);
  });
}

/** The reducer's output for unit-major data of n samples, fed in batches of `batch` samples, with the probe's kind of shift. */
async function nullOutput(layer: string, nets: ReducerLayer['nets'], data: Float64Array[] | Float32Array[], n: number, samplesPerItem: number, batch: number): Promise<ReducerOutput> {
  const state = nullPairsReducer.create({ layer, nets, samples: n, samplesPerItem, options: {} });
  const shift = new Float64Array(nets.reduce((s, net) => s + net.units, 0)).fill(12);
  for (let from = 0; from < n; from += batch) {
    const to = Math.min(n, from + batch);
    const nets_ = data.map((x, k) => {
      const out = new (x.constructor as Float64ArrayConstructor)(nets[k].units * (to - from));
      for (let u = 0; u < nets[k].units; u++) out.set(x.subarray(u * n + from, u * n + to), u * (to - from));
      return out;
    });
    await state.update({ nets: nets_, samples: to - from, firstSample: from, pass: 0, shift });
  }
  return state.finish();
}

function fixtureMoments(f: NullFixtureLayer, which: 'real' | 'null') {
  const d = f.real.mean.length;
  return { n: f.items * f.samplesPerItem, d, mean: Float64Array.from(f[which].mean), m2: Float64Array.from(f[which].m2) };
}

describe('nullLayerData against numpy (fixtures: scripts/fixtures/null_pairs.py)', () => {
  it.each(Object.entries(FIXTURE).flatMap(([set, layers]) => Object.entries(layers).map(([layer, f]) => ({ name: `${set}/${layer}`, layer, f }))))(
    '$name: headline numbers of the real layer and of the null one',
    async ({ layer, f }) => {
      const real = contextFromMoments(fixtureMoments(f, 'real'), f.nets, {}, layer);
      const n = f.items * f.samplesPerItem;
      const output = await nullOutput(layer, f.nets, f.data.map((v) => Float32Array.from(v)), n, f.samplesPerItem, 4);
      const chance = nullLayerData(real, output);
      expectHeadline(headline(real), f.real.headline);
      expectHeadline(headline(chance), f.null.headline);
      // The real per-net statistics and masks; the null's own moments.
      expect(chance.nets).toBe(real.nets);
      expect(chance.samples).toBe(real.samples);
      expect(Array.from(chance.moments.m2)).toEqual(Array.from(output.arrays!.m2.data));
    },
  );

  it("leaves out the real layer's dead units (netB's constant unit 2 of conv) and the units the real layer marks rare", async () => {
    const f = FIXTURE.three.conv;
    const real = contextFromMoments(fixtureMoments(f, 'real'), f.nets, {}, 'conv');
    expect(Array.from(real.nets[1].stats.dead)).toEqual(f.live[1].map((live) => (live ? 0 : 1)));
    // A unit the rare-unit rule left out (live in the moments, but masked) is left out of the null too.
    real.nets[0].stats.dead[3] = 1;
    const chance = nullLayerData(real, { arrays: { mean: { data: Float64Array.from(f.null.mean), shape: [f.null.mean.length] }, m2: { data: Float64Array.from(f.null.m2), shape: [f.null.mean.length, f.null.mean.length] } }, json: { samples: 69, nets: f.nets } });
    const corr = chance.correlation(0, 1);
    const db = f.nets[1].units;
    for (let j = 0; j < db; j++) expect(corr[3 * db + j]).toBeNaN();
    for (let i = 0; i < f.nets[0].units; i++) expect(corr[i * db + 2]).toBeNaN();
    expect(Number.isFinite(corr[0])).toBe(true);
  });

  it('refuses an output whose shape, samples or nets do not fit the layer, naming both', () => {
    const f = FIXTURE.three.fc;
    const real = contextFromMoments(fixtureMoments(f, 'real'), f.nets, {}, 'fc');
    const d = f.null.mean.length;
    const good = (): ReducerOutput => ({ arrays: { mean: { data: Float64Array.from(f.null.mean), shape: [d] }, m2: { data: Float64Array.from(f.null.m2), shape: [d, d] } }, json: { samples: 23, nets: f.nets } });
    expect(() => nullLayerData(real, good())).not.toThrow();
    const short = good();
    short.arrays!.mean = { data: new Float64Array(d - 1), shape: [d - 1] };
    expect(() => nullLayerData(real, short)).toThrow(/reducer null, layer fc: mean.npy has shape \[25\], the layer has 26 units \(netA 9 \+ netB 6 \+ netC 11\)/);
    const flat = good();
    flat.arrays!.m2 = { data: Float64Array.from(f.null.m2), shape: [d * d] };
    expect(() => nullLayerData(real, flat)).toThrow(/m2.npy has shape \[676\], expected \[26, 26\]/);
    const fewer = { ...good(), json: { samples: 22, nets: f.nets } };
    expect(() => nullLayerData(real, fewer)).toThrow(/the null moments cover 22 samples, the layer's moments 23/);
    const renamed = { ...good(), json: { samples: 23, nets: [{ name: 'x', units: 9 }, ...f.nets.slice(1)] } };
    expect(() => nullLayerData(real, renamed)).toThrow(/the null moments are of nets x 9 \+ netB 6 \+ netC 11, the layer has netA 9/);
    expect(() => nullLayerData(real, { json: { samples: 23 } })).toThrow(/the output lacks mean.npy/);
  });
});

describe('convergent probe --reducer null, end to end on activation files', () => {
  const dir = tempDir('null-pairs');
  const set = FIXTURE.three;
  const names = set.conv.nets.map((n) => n.name);
  // Activation files: conv as (items, C, 1, 3), fc as (items, C); the fixture is unit-major over samples.
  names.forEach((name, k) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (const [layer, f] of Object.entries(set)) {
      const units = f.nets[k].units;
      const n = f.items * f.samplesPerItem;
      const values = new Float32Array(units * n);
      for (let u = 0; u < units; u++) for (let s = 0; s < n; s++) values[(Math.floor(s / f.samplesPerItem) * units + u) * f.samplesPerItem + (s % f.samplesPerItem)] = f.data[k][u * n + s];
      const shape = f.samplesPerItem === 1 ? [f.items, units] : [f.items, units, 1, f.samplesPerItem];
      writeFileSync(join(dir, name, `${layer}.npy`), encodeNpy(values, shape));
    }
  });
  const probeArgs = (out: string) => ['probe', ...names.flatMap((name) => ['--net', `${name}=${join(dir, name)}`]), '--out', out, '--backend', 'reference', '--batch-samples', '5', '--reducer', 'null', '--quiet'];
  const m2Of = async (run: string, layer: string) => readNpy(join(runPaths.reducerDir(run, 'null', layer), 'm2.npy'));
  const worstRelative = (got: ArrayLike<number>, want: ArrayLike<number>) => {
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    return worst;
  };

  it('writes RUN/reducers/null/<layer>/m2.npy equal to numpy, and align-side null data with numpy headline numbers', async () => {
    const run = join(dir, 'run');
    const r = convergent(probeArgs(run));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const manifest = await readManifest(run);
    for (const [layer, f] of Object.entries(set)) {
      const m2 = await m2Of(run, layer);
      const d = f.null.mean.length;
      expect(m2.shape).toEqual([d, d]);
      expect(worstRelative(m2.data, f.null.m2), `layer ${layer}`).toBeLessThan(1e-9);
      const real = await loadLayerData(run, manifest, manifest.layers.find((l) => l.name === layer)!);
      const chance = nullLayerData(real, (await readReducerOutput(run, 'null', layer))!);
      expectHeadline(headline(real), f.real.headline);
      expectHeadline(headline(chance), f.null.headline);
    }
  });

  it("sharded in 3 parts and merged, writes the single run's null moments within 1e-12", async () => {
    const single = join(dir, 'run');
    if (!existsSync(single)) expect(convergent(probeArgs(single)).code).toBe(0);
    const parts = [0, 1, 2].map((k) => join(dir, `part${k}`));
    parts.forEach((part, k) => {
      const r = convergent([...probeArgs(part), '--shard', `${k}/3`]);
      expect(r.stderr).toBe('');
    });
    const merged = join(dir, 'merged');
    // The wrap rows are summed by merge's backend: float64 sums, as the single run's.
    const r = convergent(['merge', ...parts, '--out', merged, '--backend', 'reference', '--quiet']);
    expect(r.stderr).toBe('');
    for (const layer of Object.keys(set)) {
      const [want, got] = [await m2Of(single, layer), await m2Of(merged, layer)];
      expect(worstRelative(got.data, want.data), `layer ${layer}`).toBeLessThan(1e-12);
    }
  });
});

/** E[max of D independent standard normals] = int x D phi(x) Phi(x)^(D-1) dx, by the trapezoid rule on [-10, 10]. */
function expectedMaxOfNormals(count: number): number {
  const h = 1e-3;
  let cdf = 0;
  let mean = 0;
  for (let x = -10; x < 10; x += h) {
    const phi = (y: number) => Math.exp(-0.5 * y * y) / Math.sqrt(2 * Math.PI);
    cdf += 0.5 * h * (phi(x) + phi(x + h));
    const c = Math.min(1, cdf);
    mean += h * (x + h) * count * phi(x + h) * c ** (count - 1);
  }
  return mean;
}

describe('the chance band: two unrelated random nets', () => {
  // n samples of unrelated nets: sqrt(n - 1) r_ij is close to a standard normal, independent
  // across pairs, so a unit's semi-matching value (its best r over D_b partners) has mean
  // E[max of D_b normals] / sqrt(n - 1) and, the mean over D_a units being 1/sqrt(D_a)-Lipschitz
  // in the normals, a standard deviation below 1 / sqrt(D_a (n - 1)) (Gaussian Poincare inequality).
  // Real and null must both lie within 5 such deviations of the expected level, which itself is
  // more than 10 deviations above zero: the band is narrow and far from 0.
  const n = 1500;
  const nets = [
    { name: 'a', units: 40 },
    { name: 'b', units: 56 },
  ];
  const d = 96;

  function activations(related: boolean): Float64Array[] {
    const rng = new Rng(related ? 5 : 4);
    const a = Float64Array.from({ length: 40 * n }, () => 12 + rng.normal());
    const b = Float64Array.from({ length: 56 * n }, (_, i) => 12 + (related && i < 40 * n ? 0.9 * (a[i] - 12) : 0) + rng.normal());
    return [a, b];
  }

  async function semiMeans(data: Float64Array[]): Promise<{ real: number; chance: number }> {
    const joint = new Float64Array(d * n);
    joint.set(data[0]);
    joint.set(data[1], 40 * n);
    const real = contextFromMoments(batchMomentsReference(joint, d, n), nets, {}, 'fc');
    const chance = nullLayerData(real, await nullOutput('fc', nets, data, n, 1, 97));
    const mean = async (ld: LayerData) => {
      const { rowValue } = await semiMatch(ld.correlation(0, 1), 40, 56);
      return rowValue.reduce((s, v) => s + v, 0) / rowValue.length;
    };
    return { real: await mean(real), chance: await mean(chance) };
  }

  it('real and null semi-matching means lie in the band around the expected chance level', async () => {
    const level = expectedMaxOfNormals(56) / Math.sqrt(n - 1);
    const sd = 1 / Math.sqrt(40 * (n - 1));
    expect(level).toBeGreaterThan(10 * sd);
    const unrelated = await semiMeans(activations(false));
    expect(Math.abs(unrelated.real - level)).toBeLessThan(5 * sd);
    expect(Math.abs(unrelated.chance - level)).toBeLessThan(5 * sd);
    // Related nets: the real value leaves the band by far, the null stays in it.
    const related = await semiMeans(activations(true));
    expect(related.real - level).toBeGreaterThan(100 * sd);
    expect(Math.abs(related.chance - level)).toBeLessThan(5 * sd);
  });
});
