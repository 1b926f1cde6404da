// Shared by the merge tests: activation files, parts of a probe, and comparisons of two runs'
// moments and tables.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { runPaths, type ProbeManifest } from '../../src/run-dir/layout.js';
import { seededNormal } from '../../src/util/random.js';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `convergent-merge-${tag}-`));
}

/**
 * Two nets as directories of .npy files: `conv` (items, 3, 2, 3) and `fc` (items, 5), netA's
 * float64 and netB's float32, with an offset of 12 (so the shift matters: float64 values shifted
 * by another offset round to other float32 numbers) and no special structure: parts agree with the
 * single run because they cut its batches and share its shift, not because the numbers are kind.
 * The nets share a signal, so that their units correlate.
 */
export function writeExactActivations(dir: string, items: number): { name: string; path: string }[] {
  const nets = ['netA', 'netB'].map((name) => ({ name, path: join(dir, name) }));
  const shared = seededNormal(11);
  const layers = [
    { name: 'conv', shape: [items, 3, 2, 3] },
    { name: 'fc', shape: [items, 5] },
  ];
  const signal = layers.map((l) => Float64Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, () => shared()));
  nets.forEach((net, k) => {
    mkdirSync(net.path, { recursive: true });
    const noise = seededNormal(100 + k);
    layers.forEach((layer, li) => {
      const value = (s: number) => 12 + 1.2 * s + 0.8 * noise();
      const values = k === 0 ? Float64Array.from(signal[li], value) : Float32Array.from(signal[li], value);
      writeFileSync(join(net.path, `${layer.name}.npy`), encodeNpy(values, layer.shape));
    });
  });
  return nets;
}

export function readManifestSync(run: string): ProbeManifest {
  return JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest;
}

export function editManifest(run: string, edit: (m: ProbeManifest) => void): void {
  const manifest = readManifestSync(run);
  edit(manifest);
  writeFileSync(runPaths.manifest(run), JSON.stringify(manifest, null, 2));
}

/** The correlations of a run's layer, from its moments. */
async function correlations(run: string, layer: string): Promise<{ mean: Float64Array; corr: Float64Array; n: number }> {
  const dir = runPaths.momentsDir(run, layer);
  const mean = (await readNpy(join(dir, 'mean.npy'))).data as Float64Array;
  const m2 = (await readNpy(join(dir, 'm2.npy'))).data as Float64Array;
  const d = mean.length;
  const corr = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) corr[i * d + j] = m2[i * d + j] / Math.sqrt(m2[i * d + i] * m2[j * d + j]);
  const n = (JSON.parse(readFileSync(join(dir, 'count.json'), 'utf8')) as { samples: number }).samples;
  return { mean, corr, n };
}

/** Two runs' moments of every layer: the same counts, means and correlations within `tol`. */
export async function expectSameMoments(a: string, b: string, layers: string[], tol: number): Promise<void> {
  for (const layer of layers) {
    const [x, y] = [await correlations(a, layer), await correlations(b, layer)];
    expect(y.n, `layer ${layer} samples`).toBe(x.n);
    expect(maxDiff(x.mean, y.mean, true), `layer ${layer} means`).toBeLessThan(tol);
    expect(maxDiff(x.corr, y.corr, false), `layer ${layer} correlations`).toBeLessThan(tol);
    const [ca, cb] = [a, b].map((run) => JSON.parse(readFileSync(join(runPaths.momentsDir(run, layer), 'count.json'), 'utf8')));
    expect(cb).toEqual(ca);
  }
}

function maxDiff(a: Float64Array, b: Float64Array, relative: boolean): number {
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue; // a dead unit's correlations, in both runs
    const d = Math.abs(a[i] - b[i]) / (relative ? Math.max(1, Math.abs(a[i])) : 1);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  return worst;
}

/**
 * Two runs' tables (after align): the same rows and columns, the same text in every cell that is
 * not a number, numbers within `tol` (the moments agree to float64 rounding, not bit for bit).
 * A merged run `b` may have more columns than the single run `a`: the jackknife intervals its parts
 * give it (`<column>_se`, `_lo`, `_hi`, src/align/resample/), and nothing else.
 */
export function expectSameTables(a: string, b: string, tables: string[], tol: number): void {
  for (const table of tables) {
    const [ta, tb] = [a, b].map((run) => readFileSync(join(runPaths.tablesDir(run), table), 'utf8').trim().split('\n').map((line) => line.split(',')));
    expect(tb.length, table).toBe(ta.length);
    const [ha, hb] = [ta[0], tb[0]];
    expect(hb.filter((h) => !ha.includes(h) && !/_(se|lo|hi)$/.test(h)), `${table}: columns of ${b} that ${a} lacks`).toEqual([]);
    const columns = ha.map((h) => hb.indexOf(h));
    expect(columns.filter((c) => c < 0), `${table}: columns of ${a} that ${b} lacks`).toEqual([]);
    ta.forEach((row, r) => {
      expect(row.length, `${table} row ${r}`).toBe(ha.length);
      row.forEach((cell, c) => {
        const other = tb[r][columns[c]];
        const [x, y] = [Number(cell), Number(other)];
        if (cell === '' || other === '' || Number.isNaN(x) || Number.isNaN(y) || Number.isInteger(x)) expect(other, `${table} row ${r} column ${ha[c]}`).toBe(cell);
        else expect(Math.abs(x - y), `${table} row ${r} column ${ha[c]}`).toBeLessThan(tol);
      });
    });
  }
}
