// Method debiased-cka end to end: `convergent run --method debiased-cka` on activation files, and a
// sharded probe merged, write linear_cka_debiased equal to numpy's direct n x n computation
// (scripts/fixtures/debiased_cka.py) within 1e-9; on a context, the notes and nulls.
//
// The fixture's values are multiples of 1/64 (1/256) with few bits, and the probe reads batches of
// 4 (2 in the sharded probe, whose 3 parts need 3 batches of the 6-sample layer) samples: the moments' shift (the first batch's mean) and the shifted values the moment kernel
// takes in float32 are then exact, so the probe's moments are numpy's up to float64 rounding.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { align } from '../../../src/align/align.js';
import { builtinPlugin } from '../../../src/align/methods/builtin/index.js';
import { debiasedCkaMethod } from '../../../src/align/methods/metrics/index.js';
import { mergeRun } from '../../../src/merge/merge-run.js';
import { PluginRegistry } from '../../../src/plugins/registry.js';
import { probe } from '../../../src/probe/probe.js';
import { sampleNormsReducer } from '../../../src/probe/reducers/sample-norms.js';
import { encodeNpy } from '../../../src/run-dir/npy-write.js';
import { convergent, tempDir, writeImages, writeTinyCnn } from '../../cli/helpers.js';
import { contextFromMoments } from '../../helpers/method-context.js';
import { debiasedCases, relativeError, unitMajor, type DebiasedCase } from '../../helpers/debiased-cka-fixture.js';
import { referenceBackend } from '../../run-dir/run-helpers.js';
import { jointMoments } from '../math/helpers.js';

/** Nets A and B as directories of .npy files (float32), one layer per fixture dataset. */
function writeNets(dir: string): { name: string; path: string }[] {
  return (['a', 'b'] as const).map((side) => {
    const path = join(dir, side);
    mkdirSync(path, { recursive: true });
    for (const c of debiasedCases) writeFileSync(join(path, `${c.name}.npy`), encodeNpy(Float32Array.from(c[side].flat()), [c[side].length, c[side][0].length]));
    return { name: side.toUpperCase(), path };
  });
}

/** `<layer>/<metric>` -> the row of RUN/tables/metrics.csv by column (value, and value_se ... in a run in blocks). */
function metrics(run: string): Map<string, Record<string, string>> {
  const [head, ...lines] = readFileSync(join(run, 'tables', 'metrics.csv'), 'utf8').trim().split('\n');
  const columns = head.split(',');
  expect(columns.slice(0, 5)).toEqual(['layer', 'net_a', 'net_b', 'metric', 'value']);
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])));
  return new Map(rows.map((row) => [`${row.layer}/${row.metric}`, row]));
}

function expectFixture(run: string): void {
  const got = metrics(run);
  for (const c of debiasedCases) expect(relativeError(Number(got.get(`${c.name}/linear_cka_debiased`)?.value), c.cka), c.name).toBeLessThan(1e-9);
}

describe('method debiased-cka end to end', () => {
  const dir = tempDir('debiased-cka');
  const nets = writeNets(join(dir, 'nets'));
  const backend = referenceBackend();

  it('convergent run --method debiased-cka writes numpy\'s debiased CKA within 1e-9, next to linear_cka', () => {
    const out = join(dir, 'run');
    const r = convergent(['run', ...nets.flatMap((n) => ['--net', `${n.name}=${n.path}`]), '--out', out, '--method', 'debiased-cka', '--method', 'linear-cka', '--backend', 'reference', '--batch', '4']);
    expect(r.code, r.stderr).toBe(0);
    expectFixture(out);
    expect(metrics(out).get('mixed/linear_cka')).toBeDefined();
    // The reducer the method requires was added to the probe.
    expect(readFileSync(join(out, 'reducers', 'sample-norms', 'mixed', 'result.json'), 'utf8')).toContain('"samples": 37');
  });

  it('a probe sharded in 3 parts (batches of 2 samples) and merged gives the same values', async () => {
    const parts: string[] = [];
    for (let index = 0; index < 3; index++) {
      parts.push(join(dir, `part${index}`));
      await probe({ nets, out: parts[index], backend: backend.get(), batchItems: 2, reducers: [sampleNormsReducer], shard: { index, count: 3 } });
    }
    const merged = join(dir, 'merged');
    await mergeRun({ parts, out: merged, reducer: (name) => (name === sampleNormsReducer.name ? sampleNormsReducer : undefined) });
    const registry = new PluginRegistry();
    registry.add(builtinPlugin, 'built-in');
    await align({ run: merged, backend: backend.get(), registry: registry.methods, methods: ['debiased-cka'] });
    expectFixture(merged);
  });

  it('with --blocks 3, the jackknife standard error equals numpy\'s (the reducer keeps a state per block)', () => {
    const out = join(dir, 'blocks');
    const r = convergent(['run', ...nets.flatMap((n) => ['--net', `${n.name}=${n.path}`]), '--out', out, '--only-methods', '--method', 'debiased-cka', '--backend', 'reference', '--batch', '2', '--blocks', '3']);
    expect(r.code, r.stderr).toBe(0);
    expectFixture(out);
    const got = metrics(out);
    for (const c of debiasedCases) expect(relativeError(Number(got.get(`${c.name}/linear_cka_debiased`)?.value_se), c.jackknife3_se), c.name).toBeLessThan(1e-9);
  });

  it('on ONNX nets (conv layers: every position a sample) with rare units: a value, and a note that it includes them', () => {
    writeTinyCnn(join(dir, 'a.onnx'), 1);
    writeTinyCnn(join(dir, 'b.onnx'), 2);
    writeImages(join(dir, 'images.npy'), 13);
    const out = join(dir, 'onnx');
    const args = ['--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', join(dir, 'images.npy'), '--backend', 'wasm', '--min-active-images', '8'];
    const r = convergent(['run', ...args, '--out', out, '--only-methods', '--method', 'debiased-cka']);
    expect(r.code, r.stderr).toBe(0);
    const got = metrics(out);
    for (const layer of ['conv1', 'fc1']) expect(Number.isFinite(Number(got.get(`${layer}/linear_cka_debiased`)?.value))).toBe(true);
    const notes = readFileSync(join(out, 'tables', 'metric_notes.csv'), 'utf8');
    expect(notes).toMatch(/fc1,a,b,linear_cka_debiased,"over all units, including \d+ rare units? of a/);
  });

  it('align refuses a run probed without the reducer, naming it', () => {
    const out = join(dir, 'plain');
    expect(convergent(['probe', ...nets.flatMap((n) => ['--net', `${n.name}=${n.path}`]), '--out', out, '--backend', 'reference']).code).toBe(0);
    const r = convergent(['align', out, '--method', 'debiased-cka', '--backend', 'reference']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/method debiased-cka needs the reducer "sample-norms"/);
  });
});

/** A context over a case's moments whose sample-norms output is the reducer's over its samples. */
async function contextOf(c: DebiasedCase, samples = c.a.length) {
  const [a, b] = [c.a.slice(0, samples), c.b.slice(0, samples)];
  const data = (rows: number[][]) => ({ x: Float64Array.from(rows.flat()), n: rows.length, d: rows[0].length });
  const moments = jointMoments(data(a), data(b));
  const nets = [{ name: 'A', units: a[0].length }, { name: 'B', units: b[0].length }];
  const state = sampleNormsReducer.create({ layer: 'fc', nets, samples, samplesPerItem: 1 });
  await state.update({ nets: [unitMajor(a), unitMajor(b)], samples, firstSample: 0, pass: 0, shift: moments.mean });
  const output = await state.finish();
  const ctx = contextFromMoments(moments, nets);
  ctx.reducerOutput = async (name) => (name === 'sample-norms' ? output : undefined);
  return ctx;
}

function rowsOf(t: { objects(): unknown[] }): Record<string, unknown>[] {
  return t.objects() as Record<string, unknown>[];
}

describe('method debiased-cka on a context', () => {
  it('notes a pair whose unit set differs from linear_cka\'s (rare units), and keeps the value over all units', async () => {
    const c = debiasedCases.find((x) => x.name === 'constant')!;
    const plain = await contextOf(c);
    const want = rowsOf((await debiasedCkaMethod.run(plain)).tables!.metrics)[0].value as number;
    expect(relativeError(want, c.cka)).toBeLessThan(1e-9);
    const ctx = await contextOf(c);
    const stats = ctx.nets[1].stats;
    const rare = Uint8Array.from({ length: 6 }, (_, u) => (u === 4 ? 1 : 0));
    ctx.nets[1].stats = { ...stats, dead: Uint8Array.from(stats.dead, (v, u) => v | rare[u]), rareRule: { minActiveImages: 20, activeImages: new Int32Array(6), constant: stats.dead, rare } } as typeof stats;
    const tables = (await debiasedCkaMethod.run(ctx)).tables!;
    expect(rowsOf(tables.metrics)).toEqual([{ layer: 'fc', net_a: 'A', net_b: 'B', metric: 'linear_cka_debiased', value: want }]);
    expect(rowsOf(tables.metric_notes)[0].reason).toMatch(/^over all units, including 1 rare unit of B that linear_cka and the other methods leave out/);
    // The constant unit of A (exactly constant) is no reason for a note.
    expect(rowsOf(tables.metric_notes)).toHaveLength(1);
  });

  it('is null with a reason, never NaN: 3 samples; a net without variance', async () => {
    const c = debiasedCases.find((x) => x.name === 'mixed')!;
    const few = (await debiasedCkaMethod.run(await contextOf(c, 3))).tables!;
    expect(rowsOf(few.metrics)[0].value).toBeNull();
    expect(rowsOf(few.metric_notes)[0].reason).toMatch(/more than 3 samples, got 3/);
    const flat = { ...c, a: c.a.map((r) => r.map(() => 2.5)) };
    const dead = (await debiasedCkaMethod.run(await contextOf(flat))).tables!;
    expect(rowsOf(dead.metrics)[0].value).toBeNull();
    expect(rowsOf(dead.metric_notes)[0].reason).toMatch(/not positive \(0\)/);
  });

  it('is null without the reducer\'s output (chance levels); refuses output without arrays or of other nets', async () => {
    const c = debiasedCases[0];
    const ctx = await contextOf(c);
    const output = await ctx.reducerOutput!('sample-norms');
    // Without output (the null reducer's moments, for chance levels): null with the reason.
    const none = (await debiasedCkaMethod.run({ ...ctx, reducerOutput: async () => undefined })).tables!;
    expect(rowsOf(none.metrics)[0].value).toBeNull();
    expect(rowsOf(none.metric_notes)[0].reason).toMatch(/^no sample-norms sums for these moments \(the chance level would need/);
    await expect(debiasedCkaMethod.run({ ...ctx, reducerOutput: async () => ({ json: { nets: [] } }) })).rejects.toThrow(/method debiased-cka: layer fc: run {2}has no sample-norms output; re-probe/);
    const renamed = { ...ctx, nets: [ctx.nets[0], { ...ctx.nets[1], name: 'C' }] };
    renamed.reducerOutput = async () => output;
    await expect(debiasedCkaMethod.run(renamed)).rejects.toThrow(/the sample-norms sums are of the nets A \(7\), B \(5\), the moments of A \(7\), C \(5\)/);
  });
});
