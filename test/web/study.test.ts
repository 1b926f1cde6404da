// The page's study (src/study/) run in Node on the same inputs as `convergent run`: the summary is
// the CLI's within 1e-6, and the run it holds in memory, saved to disk, is one that `convergent
// align` and `convergent report` take (the page's "download run" gives exactly these files).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import type { Backend } from '../../src/backend/types.js';
import { loadMnist, parseSplit } from '../../src/inputs/data/mnist.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { builtinPlugin, DEFAULT_METHODS } from '../../src/align/methods/builtin/index.js';
import { reducersForMethods, selectReducers } from '../../src/align/method-selection.js';
import { fromCSV } from 'arquero';
import { lazyImageSource, mnistImages } from '../../src/study/image-source.js';
import { runStudy } from '../../src/study/study.js';
import { zipFiles } from '../../src/study/zip.js';
import { vegaBuilds } from '../../src/report/vega-builds.js';
import { decodeNpyBytes } from '../../src/report/npy-bytes.js';
import { buildReport } from '../../src/report/build.js';
import { convergent } from '../cli/helpers.js';
import { WEB_ITEMS, cliRun, expectSameRows, webFixture, type WebFixture } from './web-fixture.js';

let fixture: WebFixture;
let backend: Backend;

beforeAll(async () => {
  fixture = webFixture();
  backend = await createBackend('wasm', { threads: 2 });
});
afterAll(async () => backend?.dispose());

async function heldOutDigits(count: number) {
  const mnist = await loadMnist();
  const [start] = parseSplit('heldout');
  return mnistImages(mnist.images.slice(start * 784, (start + count) * 784), mnist.labels.slice(start, start + count), start);
}

/** The page's study; `reducers` as `--reducer` (the methods' own are added, as `convergent run` adds them). */
async function study(methods = DEFAULT_METHODS, reducers: string[] = [], blocks?: number) {
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  const source = lazyImageSource(await heldOutDigits(WEB_ITEMS + 5), [1, 28, 28]);
  return runStudy({
    runName: 'page-run',
    nets: fixture.nets.map((n) => ({ name: n.name, fileName: `${n.name}.onnx`, bytes: new Uint8Array(readFileSync(n.path)) })),
    data: source,
    dataLabel: 'mnist (heldout)',
    dataRecord: { source: 'mnist', split: 'heldout', limit: WEB_ITEMS, itemShape: [1, 28, 28] },
    limitItems: WEB_ITEMS,
    backend,
    registry: registry.methods,
    methods,
    reducers: selectReducers(registry, reducersForMethods(registry, methods, reducers)),
    blocks,
    libs: await vegaBuilds(),
  });
}

describe('the in-memory study', () => {
  it("gives the CLI's summary within 1e-6 (WASM, 83 held-out digits, two nets)", async () => {
    const cli = cliRun(fixture, 'wasm');
    expect(cli.summary.layers.length).toBe(2);
    const page = await study();
    const summary = JSON.parse(new TextDecoder().decode((await page.run.read('page-run/summary.json'))!));
    expect(expectSameRows(summary.layers, cli.summary.layers, 1e-6)).toEqual([]);
    expect(summary.nets.map((n: { accuracy?: number }) => n.accuracy)).toEqual(cli.summary.nets.map((n) => n.accuracy));
    expect(page.report.sections.map((s) => s.id)).toEqual(expect.arrayContaining(['headline', 'fig1', 'fig3', 'fig2', 'means', 'dead', 'run']));
  });

  it("holds the CLI's moments, top-k records and patch pictures, file for file", async () => {
    const cli = cliRun(fixture, 'wasm', join(fixture.dir, 'cli-files'));
    const page = await study();
    const files = page.run.entries().filter(([path]) => /^page-run\/(moments|reducers)\//.test(path));
    expect(files.filter(([path]) => path.endsWith('.png')).length).toBe(2 * (3 + 7)); // a picture per unit of both nets, conv1 and fc1
    for (const [path, bytes] of files) {
      const theirs = readFileSync(join(cli.out, path.slice('page-run/'.length)));
      if (path.endsWith('.npy') && /moments\//.test(path)) {
        // Moments: the same kernels on the same batches, up to the thread split of the sums.
        const a = decodeNpyBytes(bytes, path).data;
        const b = decodeNpyBytes(new Uint8Array(theirs), path).data;
        expect(a.length).toBe(b.length);
        a.forEach((v, i) => expect(Math.abs(v - b[i]), `${path}[${i}]`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b[i]))));
      } else expect(Buffer.compare(Buffer.from(bytes), theirs), path).toBe(0);
    }
  });

  it('saves a run that `convergent align` and `convergent report` take, aligning to the same summary', async () => {
    const page = await study();
    const root = join(fixture.dir, 'saved');
    for (const [path, bytes] of page.run.entries()) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    const run = join(root, 'page-run');
    const before = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    const aligned = convergent(['align', run, '--quiet']);
    expect(aligned.stderr).toBe('');
    expect(aligned.code).toBe(0);
    const after = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(expectSameRows(after.layers, before.layers, 0)).toEqual([]);
    // --no-views: the page draws no deconvnet views (src/views/ is a step of the CLI's report only).
    const reported = convergent(['report', run, '--quiet', '--no-views']);
    expect(reported.code).toBe(0);
    expect(existsSync(join(run, 'report.html'))).toBe(true);
    // The report rendered from memory is the one `convergent report` builds from the saved run, section for section
    // (but the Run section, which names the run directory).
    const fromDisk = await buildReport({ run });
    const sections = (r: { sections: { id: string; html: string }[] }) => r.sections.filter((x) => x.id !== 'run').map((x) => [x.id, x.html]);
    expect(sections(page.report)).toEqual(sections(fromDisk));
  });

  it("runs the probe reducers (mi's two passes, debiased-cka's sample norms, null's chance levels, layer-cka's state over every layer) to the CLI's tables within 1e-6", async () => {
    const added = ['mi', 'debiased-cka', 'layer-cka'];
    const methods = [...DEFAULT_METHODS, ...added];
    const cli = cliRun(fixture, 'wasm', join(fixture.dir, 'cli-reducers'), undefined, [...added.flatMap((m) => ['--method', m]), '--reducer', 'null']);
    const page = await study(methods, ['null']);
    const text = async (path: string) => new TextDecoder().decode((await page.run.read(`page-run/${path}`))!);
    const summary = JSON.parse(await text('summary.json'));
    expect(Object.keys(summary.layers[0]).filter((k) => k.endsWith('_chance')).length).toBeGreaterThan(0);
    expect(expectSameRows(summary.layers, cli.summary.layers, 1e-6)).toEqual([]);
    expect(summary.resampling).toEqual(JSON.parse(readFileSync(join(cli.out, 'summary.json'), 'utf8')).resampling);
    const rows = (csv: string) => fromCSV(csv).objects() as Record<string, unknown>[];
    for (const name of ['metrics', 'mi_matches', 'layer_cka']) {
      const theirs = rows(readFileSync(join(cli.out, 'tables', `${name}.csv`), 'utf8'));
      expect(theirs.length, name).toBeGreaterThan(0);
      expect(expectSameRows(rows(await text(`tables/${name}.csv`)), theirs, 1e-6), name).toEqual([]);
    }
    const metrics = rows(await text('tables/metrics.csv')).map((r) => String(r.metric));
    expect(metrics).toEqual(expect.arrayContaining(['linear_cka_debiased']));
    expect(metrics.some((m) => m.startsWith('mi'))).toBe(true);
    // Saved, the run is one `convergent align` (which reads the reducer outputs from disk) aligns to the same summary.
    const root = join(fixture.dir, 'saved-reducers');
    for (const [path, bytes] of page.run.entries()) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    const run = join(root, 'page-run');
    const aligned = convergent(['align', run, ...added.flatMap((m) => ['--method', m]), '--quiet']);
    expect(aligned.stderr).toBe('');
    expect(aligned.code).toBe(0);
    expect(expectSameRows(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).layers, summary.layers, 0)).toEqual([]);
    expect(convergent(['report', run, '--quiet']).code).toBe(0);
  });

  it("keeps --blocks states in memory: the jackknife intervals (debiased-cka's per-block sample norms included) are the CLI's within 1e-6", async () => {
    const methods = [...DEFAULT_METHODS, 'debiased-cka'];
    const cli = cliRun(fixture, 'wasm', join(fixture.dir, 'cli-blocks'), undefined, ['--method', 'debiased-cka', '--reducer', 'null', '--blocks', '5']);
    const page = await study(methods, ['null'], 5);
    const summary = JSON.parse(new TextDecoder().decode((await page.run.read('page-run/summary.json'))!));
    const keys = Object.keys(summary.layers[0]);
    expect(keys.filter((k) => k.endsWith('_lo') || k.endsWith('_hi')).length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.endsWith('_chance')).length).toBeGreaterThan(0);
    expect(expectSameRows(summary.layers, cli.summary.layers, 1e-6)).toEqual([]);
    expect(summary.resampling).toEqual(JSON.parse(readFileSync(join(cli.out, 'summary.json'), 'utf8')).resampling);
    const metrics = (csv: string) => fromCSV(csv).objects() as Record<string, unknown>[];
    const ours = metrics(new TextDecoder().decode((await page.run.read('page-run/tables/metrics.csv'))!));
    expect(expectSameRows(ours, metrics(readFileSync(join(cli.out, 'tables', 'metrics.csv'), 'utf8')), 1e-6)).toEqual([]);
    // Saved, `convergent align` reads the block states from disk to the same intervals.
    const root = join(fixture.dir, 'saved-blocks');
    for (const [path, bytes] of page.run.entries()) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    const run = join(root, 'page-run');
    const aligned = convergent(['align', run, '--method', 'debiased-cka', '--quiet']);
    expect(aligned.code, aligned.stderr).toBe(0);
    expect(expectSameRows(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).layers, summary.layers, 0)).toEqual([]);
  });

  it('packs the run as a .zip that unzip lists and extracts byte for byte', async () => {
    const page = await study();
    const zip = join(fixture.dir, 'run.zip');
    writeFileSync(zip, zipFiles(page.run.entries()));
    const out = join(fixture.dir, 'unzipped');
    const { spawnSync } = await import('node:child_process');
    const unzip = spawnSync('python3', ['-c', `import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])`, zip, out], { encoding: 'utf8' });
    expect(unzip.stderr).toBe('');
    for (const [path, bytes] of page.run.entries()) expect(Buffer.compare(readFileSync(join(out, path)), Buffer.from(bytes))).toBe(0);
  });
});
