// The web page (dist/web/, served by `convergent serve`'s server) in headless Chromium: two small
// ONNX models chosen through the file input, 83 of the built-in held-out MNIST digits, the study
// run on the WASM path and on WebGPU through SwiftShader; its summary is `convergent run`'s on the
// same inputs within 1e-6, no console errors, the report inline with its sections (checked in the
// DOM of a screenshot's page), and the downloads offered. Chromium missing: fails under CI=true,
// skipped otherwise (as test/report/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS, haveChromium, pageErrors, requireChromium } from '../helpers/chromium.js';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromCSV } from 'arquero';
import { serveStatic, webRoot } from '../../src/web/server.js';
import { convergent } from '../cli/helpers.js';
import { decodeNpyBytes } from '../../src/report/npy-bytes.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { FOLDER_ITEMS, WEB_ITEMS, cliRun, expectSameRows, webFixture, writeDigitPngs, type WebFixture } from './web-fixture.js';

/** WebGPU on SwiftShader (Chromium's CPU Vulkan): the usual flags but --disable-gpu. */
const WEBGPU_ARGS = [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
/** The report's sections the page must show for the default methods (semi, bipartite). */
const SECTIONS = ['headline', 'fig1', 'fig3', 'fig2', 'means', 'dead', 'run'];

let fixture: WebFixture;
let cli: ReturnType<typeof cliRun>;
let server: Server | undefined;
let url: string;

beforeAll(async () => {
  if (!haveChromium && !requireChromium) return;
  const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build-web.mjs failed: ${built.stderr}`);
  fixture = webFixture();
  cli = cliRun(fixture, 'wasm');
  ({ server, url } = await serveStatic(webRoot(), 0));
}, 120_000);
afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** The page's run on `backend`: on the built-in digits (WEB_ITEMS of them), or on the PNGs of `folder`; the models chosen or dropped; `fetch` names run files to read back from its download links. */
async function runPage(backend: 'wasm' | 'webgpu', options: { folder?: string; fetch?: string[]; dropModels?: boolean; methods?: string[]; chance?: boolean; blocks?: number } = {}) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'convergent-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: backend === 'webgpu' ? WEBGPU_ARGS : CHROMIUM_ARGS,
    viewport: { width: 1300, height: 1000 },
  });
  try {
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => document.querySelectorAll('#backend option').length > 0);
    const offered = await page.$$eval('#backend option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    if (options.dropModels) {
      // Dropped on the drop zone, as from a file manager.
      const files = fixture.nets.map((n) => ({ name: `${n.name}.onnx`, bytes: Array.from(readFileSync(n.path)) }));
      const dataTransfer = await page.evaluateHandle((list) => {
        const transfer = new DataTransfer();
        for (const f of list) transfer.items.add(new File([new Uint8Array(f.bytes)], f.name));
        return transfer;
      }, files);
      await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    } else await page.setInputFiles('#models', fixture.nets.map((n) => n.path));
    await page.waitForSelector('#layers input[name="layer"]');
    if (options.folder) {
      await page.setInputFiles('#folder', options.folder);
      await page.fill('#limit', '');
    } else await page.fill('#limit', String(WEB_ITEMS));
    for (const method of options.methods ?? []) await page.check(`#methods input[value="${method}"]`);
    if (options.chance) await page.check('#chance');
    if (options.blocks) await page.fill('#blocks', String(options.blocks));
    const disabled = await page.$$eval('#methods input:disabled', (boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    await page.click('#run');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), undefined, { timeout: 240_000 });
    const state = await page.evaluate(() => ({ state: document.body.dataset.state, status: document.getElementById('status')!.textContent, log: document.getElementById('log')!.textContent }));
    expect(state.state, `${state.status}\n${state.log}`).toBe('done');
    const summary = JSON.parse((await page.textContent('#summary-json'))!) as Record<string, unknown>[];
    const report = page.frameLocator('#report');
    await report.locator('section#run').waitFor();
    const sections = await report.locator('body section[id]').evaluateAll((s) => s.map((e) => e.id));
    const figures = await report.locator('section#fig1 canvas, section#fig1 img, section#fig1 svg').count();
    const patches = await report.locator('section#fig2 img.patches').count();
    const downloads = await page.$$eval('#downloads a', (links) => links.map((a) => ({ path: (a as HTMLAnchorElement).dataset.path, name: (a as HTMLAnchorElement).download })));
    const files: Record<string, Uint8Array> = {};
    for (const path of options.fetch ?? []) {
      const bytes = await page.$eval(`#downloads a[data-path="${path}"]`, async (a) => Array.from(new Uint8Array(await (await fetch((a as HTMLAnchorElement).href)).arrayBuffer())));
      files[path] = Uint8Array.from(bytes);
    }
    const screenshot = await page.screenshot({ fullPage: true });
    const backendLine = state.log.split('\n').find((l) => l.startsWith('backend:'));
    return { offered, summary, sections, figures, patches, downloads, files, screenshot, errors, backendLine, disabled };
  } finally {
    await context.close();
  }
}

describe.skipIf(!haveChromium && !requireChromium)('the web page in headless Chromium', () => {
  it("runs the study on WASM workers: the CLI's summary within 1e-6, the report inline, the run's files offered", async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const got = await runPage('wasm', { fetch: ['the whole run (browser-run.zip)'] });
    expect(got.errors).toEqual([]);
    expect(got.backendLine).toMatch(/wasm/i);
    expect(got.summary.length).toBe(cli.summary.layers.length);
    expect(expectSameRows(got.summary, cli.summary.layers, 1e-6)).toEqual([]);
    expect(got.sections).toEqual(expect.arrayContaining(SECTIONS));
    expect(got.figures).toBeGreaterThan(0);
    expect(got.patches, "Fig. 2's patch pictures").toBeGreaterThan(0);
    const paths = got.downloads.map((d) => d.path);
    expect(paths[0]).toMatch(/browser-run\.zip/);
    expect(paths).toEqual(expect.arrayContaining(['report.html', 'probe.json', 'summary.json', 'tables/summary.csv', 'tables/matches.csv', 'moments/conv1/mean.npy', 'moments/conv1/m2.npy', 'moments/conv1/count.json', 'moments/fc1/m2.npy']));
    // The run made in the browser, unzipped, is one that `convergent align` and `report` take.
    const zip = join(fixture.dir, 'browser-run.zip');
    writeFileSync(zip, got.files['the whole run (browser-run.zip)']);
    const saved = join(fixture.dir, 'from-page');
    const unzip = spawnSync('python3', ['-c', 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, saved], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    const run = join(saved, 'browser-run');
    const aligned = convergent(['align', run, '--quiet']);
    expect(aligned.code, aligned.stderr).toBe(0);
    const realigned = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(expectSameRows(realigned.layers, got.summary, 0)).toEqual([]);
    const reported = convergent(['report', run, '--quiet']);
    expect(reported.code, reported.stderr).toBe(0);
    expect(existsSync(join(run, 'report.html'))).toBe(true);
    writeFileSync(join(fixture.dir, 'page-wasm.png'), got.screenshot);
    expect(got.screenshot.subarray(1, 4).toString()).toBe('PNG');
  }, 300_000);

  it("runs mi (two passes over the digits), debiased-cka, layer-cka, the chance levels and block intervals on WASM: the CLI's summary within 1e-6", async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const methods = ['mi', 'debiased-cka', 'layer-cka'];
    const withReducers = cliRun(fixture, 'wasm', join(fixture.dir, 'cli-reducers'), undefined, [...methods.flatMap((m) => ['--method', m]), '--reducer', 'null', '--blocks', '5']);
    const got = await runPage('wasm', { methods, chance: true, blocks: 5, fetch: ['tables/metrics.csv', 'tables/layer_cka.csv'] });
    expect(got.errors).toEqual([]);
    expect(got.disabled).toEqual([]);
    const keys = Object.keys(got.summary[0]);
    expect(keys.filter((k) => k.endsWith('_chance')).length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.endsWith('_lo')).length).toBeGreaterThan(0);
    const rows = (csv: string) => fromCSV(csv).objects() as Record<string, unknown>[];
    const layerCka = rows(readFileSync(join(withReducers.out, 'tables', 'layer_cka.csv'), 'utf8'));
    expect(layerCka.length).toBeGreaterThan(0);
    expect(expectSameRows(rows(new TextDecoder().decode(got.files['tables/layer_cka.csv'])), layerCka, 1e-6)).toEqual([]);
    expect(expectSameRows(got.summary, withReducers.summary.layers, 1e-6)).toEqual([]);
    const metrics = new TextDecoder().decode(got.files['tables/metrics.csv']);
    expect(metrics).toContain('linear_cka_debiased');
    expect(metrics).toContain('mi_bipartite');
  }, 300_000);

  it("runs the study on WebGPU through SwiftShader: the CLI's summary within 1e-6", async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const layers = ['conv1', 'fc1'];
    const got = await runPage('webgpu', { fetch: layers.flatMap((l) => [`moments/${l}/mean.npy`, `moments/${l}/m2.npy`]) });
    expect(got.offered).toContain('webgpu');
    expect(got.errors).toEqual([]);
    expect(got.backendLine).toMatch(/webgpu/i);
    expect(expectSameRows(got.summary, cli.summary.layers, 1e-6)).toEqual([]);
    expect(got.sections).toEqual(expect.arrayContaining(SECTIONS));
    // The forward passes (conv, gemm) and the moment kernel on SwiftShader against the float64 reference backend's.
    const reference = cliRun(fixture, 'reference');
    for (const layer of layers) {
      const mean = decodeNpyBytes(got.files[`moments/${layer}/mean.npy`], 'page mean').data;
      const m2 = decodeNpyBytes(got.files[`moments/${layer}/m2.npy`], 'page m2').data;
      const refMean = (await readNpy(join(reference.out, 'moments', layer, 'mean.npy'))).data;
      const refM2 = (await readNpy(join(reference.out, 'moments', layer, 'm2.npy'))).data;
      const d = refMean.length;
      expect(mean.length).toBe(d);
      const n = JSON.parse(readFileSync(join(reference.out, 'moments', layer, 'count.json'), 'utf8')).samples as number;
      for (let i = 0; i < d; i++) {
        const sdI = Math.sqrt(refM2[i * d + i] / n);
        expect(Math.abs(mean[i] - refMean[i]), `${layer} mean ${i}`).toBeLessThanOrEqual(1e-5 * (Math.abs(refMean[i]) + sdI) + 1e-12);
        for (let j = 0; j < d; j++) {
          const scale = Math.sqrt(refM2[i * d + i] * refM2[j * d + j]);
          expect(Math.abs(m2[i * d + j] - refM2[i * d + j]), `${layer} m2 ${i},${j}`).toBeLessThanOrEqual(1e-5 * scale + 1e-12);
        }
      }
    }
  }, 300_000);

  it("runs the study on models dropped on the page and a folder of PNGs (class folders) chosen through the directory input: the CLI's summary and accuracy", async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const folder = await writeDigitPngs(join(fixture.dir, 'digits'), FOLDER_ITEMS);
    const onFolder = cliRun(fixture, 'wasm', join(fixture.dir, 'cli-folder'), folder);
    const got = await runPage('wasm', { folder, fetch: ['summary.json'], dropModels: true });
    expect(got.errors).toEqual([]);
    expect(got.summary.length).toBe(onFolder.summary.layers.length);
    expect(expectSameRows(got.summary, onFolder.summary.layers, 1e-6)).toEqual([]);
    // The class folders are the labels, as for the CLI: the same accuracy on the same items.
    const nets = JSON.parse(new TextDecoder().decode(got.files['summary.json'])).nets as Record<string, unknown>[];
    expect(onFolder.summary.nets.map((n) => typeof n.accuracy)).toEqual(['number', 'number']);
    expect(nets.map((n) => [n.accuracy, n.correct])).toEqual(onFolder.summary.nets.map((n) => [n.accuracy, n.correct]));
    expect(got.sections).toEqual(expect.arrayContaining(SECTIONS));
  }, 300_000);
});
