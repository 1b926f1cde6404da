// The web page's probe throughput (issue 14): the same study (four LeNet-shaped ONNX models, the
// page's built-in held-out MNIST digits, the default layers, methods semi + bipartite) run
//   (a) in headless Chromium through the served page (dist/web/, src/web/server.ts) on WASM, with
//       the workers the page picks (navigator.hardwareConcurrency);
//   (b) in Chromium on WebGPU through SwiftShader (a CPU Vulkan: for what it is worth);
//   (c) in Node with `convergent run --data mnist --limit N --backend wasm` on the same nets and
//       digits, with as many threads as the page's workers;
// in rounds a, c, b, a, c, b, ... so that a change in the machine's load hits all alike; medians of
// the rounds. The probe is timed by the study itself: probe.json's `seconds` (the page's, read
// back through its download link, and the CLI's). Each run's summary must be the first Node run's
// within 1e-6, or its runner is "not measured".
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serveStatic, webRoot } from '../src/web/server.js';
import { runCli } from './merge-shards.js';
import type { RunPart } from './types.js';
import { benchNets, type BenchNet } from './web-page-nets.js';

const ROUNDS = 3;
const TOLERANCE = 1e-6;
/** A SwiftShader run slower than this is measured once, not ROUNDS times (the bench keeps to minutes). */
const SLOW_WEBGPU_SECONDS = 60;
const CHROMIUM = process.env.CONVERGENT_CHROMIUM ?? '/usr/bin/chromium';
/** As test/helpers/chromium.ts; WebGPU drops --disable-gpu and asks for SwiftShader. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WEBGPU_ARGS = [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

type Row = Record<string, unknown>;

/** One study run: the probe's seconds (probe.json), the whole study's, and its summary's layer rows. */
interface StudyRun {
  probeSeconds: number;
  studySeconds: number;
  summary: Row[];
}

export interface RunnerResult {
  runner: string;
  /** How it ran, in words (the page's backend line, or the CLI's flags). */
  how: string;
  probeSeconds: number[];
  studySeconds: number[];
  /** Why it is not measured (failed, or a summary that is not Node's). */
  error?: string;
}

export interface WebPagePart {
  detail: string;
  images: number;
  workers: number;
  loadBefore: number[];
  loadAfter: number[];
  runners: RunnerResult[];
  notes: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The first difference between two summaries' layer rows (numbers within `tolerance`, relative above 1), or null. */
function summaryDifference(got: Row[], want: Row[], tolerance: number): string | null {
  if (got.length !== want.length) return `${got.length} summary rows, Node has ${want.length}`;
  for (const [i, row] of want.entries()) {
    for (const key of new Set([...Object.keys(row), ...Object.keys(got[i])])) {
      const [a, e] = [got[i][key], row[key]];
      const same = typeof a === 'number' && typeof e === 'number' ? Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)) : JSON.stringify(a) === JSON.stringify(e);
      if (!same) return `summary row ${i} (${String(row.layer ?? '')}) ${key}: ${JSON.stringify(a)}, Node ${JSON.stringify(e)}`;
    }
  }
  return null;
}

/** The held-out digits dist/web/ holds for the built-in data (one label byte each). */
function pageDigits(): number {
  return statSync(join(webRoot(), 'mnist', 'heldout.labels')).size;
}

/** The study through the page in `browser` on `backend`; the page's backend line with the run. */
async function pageStudy(browser: Browser, url: string, backend: 'wasm' | 'webgpu', nets: BenchNet[], images: number): Promise<StudyRun & { backendLine: string; workers: number }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => document.querySelectorAll('#backend option').length > 0);
    const chosen = await page.$eval('#backend', (s) => (s as HTMLSelectElement).value);
    if (chosen !== backend) throw new Error(`the page offers no ${backend} backend here (it chose ${chosen})`);
    await page.setInputFiles('#models', nets.map((n) => n.path));
    await page.waitForSelector('#layers input[name="layer"]');
    await page.fill('#limit', String(images));
    // Timed in the page: from the click to the state the page sets when the report is shown.
    const studyMs = await page.evaluate(
      () =>
        new Promise<number>((done) => {
          const started = performance.now();
          new MutationObserver((_, observer) => {
            if (!['done', 'error'].includes(document.body.dataset.state ?? '')) return;
            observer.disconnect();
            done(performance.now() - started);
          }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
          document.getElementById('run')!.click();
        }),
    );
    const state = await page.evaluate(() => ({ state: document.body.dataset.state, status: document.getElementById('status')!.textContent, log: document.getElementById('log')!.textContent ?? '' }));
    if (state.state !== 'done') throw new Error(`the page ended in ${state.state}: ${state.status}`);
    if (errors.length > 0) throw new Error(`page errors: ${errors.slice(0, 2).join(' | ')}`);
    const summary = JSON.parse((await page.textContent('#summary-json'))!) as Row[];
    const manifest = JSON.parse(await page.$eval('#downloads a[data-path="probe.json"]', async (a) => (await fetch((a as HTMLAnchorElement).href)).text())) as { layers: { seconds: number }[] };
    const workers = await page.evaluate(() => navigator.hardwareConcurrency);
    return { probeSeconds: manifest.layers[0].seconds, studySeconds: studyMs / 1000, summary, backendLine: state.log.split('\n').find((l) => l.startsWith('backend:')) ?? 'backend: ?', workers };
  } finally {
    await context.close();
  }
}

/** `convergent run` on the same nets and digits, wasm on `threads` threads, into a fresh folder under `dir`. */
async function nodeStudy(dir: string, nets: BenchNet[], images: number, threads: number): Promise<StudyRun> {
  const out = mkdtempSync(join(dir, 'node-run-'));
  rmSync(out, { recursive: true });
  try {
    const run = await runCli(['run', ...nets.flatMap((n) => ['--net', `${n.name}=${n.path}`]), '--data', 'mnist', '--limit', String(images), '--backend', 'wasm', '--threads', String(threads), '--checkpoint-every', '0', '--out', out]);
    const manifest = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as { layers: { seconds: number }[] };
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { layers: Row[] };
    return { probeSeconds: manifest.layers[0].seconds, studySeconds: run.seconds, summary: summary.layers };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs `study` and records its times and summary in `result`, unless the runner already failed. */
async function record(result: RunnerResult, summaries: Row[][], study: () => Promise<StudyRun & { backendLine?: string }>): Promise<void> {
  if (result.error) return;
  try {
    const run = await study();
    result.probeSeconds.push(run.probeSeconds);
    result.studySeconds.push(run.studySeconds);
    summaries.push(run.summary);
    if (run.backendLine) result.how = run.backendLine;
  } catch (e) {
    result.error = (e as Error).message.split('\n')[0];
  }
}

/** A runner whose runs' summaries are not all the first Node run's within TOLERANCE is not measured. */
function checkSummaries(result: RunnerResult, summaries: Row[][], reference: Row[] | undefined): void {
  if (result.error) return;
  if (!reference) return void (result.error = 'no Node summary to compare with');
  for (const summary of summaries) {
    const difference = summaryDifference(summary, reference, TOLERANCE);
    if (difference) return void (result.error = `its summary is not Node's within ${TOLERANCE}: ${difference}`);
  }
}

export async function benchWebPage(): Promise<WebPagePart> {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-bench-web-'));
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveStatic(webRoot(), 0);
  const browsers: Browser[] = [];
  try {
    const { nets, note } = benchNets(dir);
    const images = pageDigits();
    const wasmBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    browsers.push(wasmBrowser);
    const gpuBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEBGPU_ARGS });
    browsers.push(gpuBrowser);
    // The page's workers (navigator.hardwareConcurrency) are the CLI's threads (it takes 1..8).
    const probe = await wasmBrowser.newPage();
    const workers = await probe.evaluate(() => navigator.hardwareConcurrency);
    await probe.close();
    const threads = Math.min(8, Math.max(1, workers));
    const page: RunnerResult = { runner: 'page, Chromium, WASM', how: '', probeSeconds: [], studySeconds: [] };
    const node: RunnerResult = { runner: 'Node, `convergent run`, WASM', how: `--backend wasm --threads ${threads}`, probeSeconds: [], studySeconds: [] };
    const gpu: RunnerResult = { runner: 'page, Chromium, WebGPU (SwiftShader)', how: '', probeSeconds: [], studySeconds: [] };
    const notes = [`nets: ${note}`];
    const summaries = new Map<RunnerResult, Row[][]>([page, node, gpu].map((r) => [r, []]));
    const loadBefore = loadavg();
    for (let round = 0; round < ROUNDS; round++) {
      await record(page, summaries.get(page)!, () => pageStudy(wasmBrowser, url, 'wasm', nets, images));
      await record(node, summaries.get(node)!, () => nodeStudy(dir, nets, images, threads));
      if (round > 0 && gpu.studySeconds[0] > SLOW_WEBGPU_SECONDS) continue;
      await record(gpu, summaries.get(gpu)!, () => pageStudy(gpuBrowser, url, 'webgpu', nets, images));
    }
    const loadAfter = loadavg();
    if (gpu.studySeconds.length === 1) notes.push(`WebGPU on SwiftShader: one run only (its study took over ${SLOW_WEBGPU_SECONDS} s)`);
    for (const [runner, list] of summaries) checkSummaries(runner, list, summaries.get(node)![0]);
    return { detail: `${nets.length} nets, ${images} built-in held-out MNIST digits (the page's all), default layers, methods semi + bipartite`, images, workers, loadBefore, loadAfter, runners: [page, node, gpu], notes };
  } finally {
    for (const b of browsers) await b.close();
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
/** Median seconds and, over several runs, their range (the spread the load caused). */
const secondsCell = (xs: number[]) => `${median(xs).toFixed(2)}${xs.length > 1 ? ` (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})` : ''}`;

/** `npm run bench`'s web section: images/s of the probe and of the whole study per runner, and page / Node. */
export function webPageSection(runPart: RunPart): string {
  const title = '### The web page in Chromium vs `convergent run` in Node (same study)';
  const r = runPart<WebPagePart>('web-page');
  if ('error' in r) return `${title}\n\nnot measured (${r.error})`;
  const node = r.runners.find((x) => x.runner.startsWith('Node'))!;
  const rate = (seconds: number[]) => r.images / median(seconds);
  const lines = [
    title,
    '',
    `${r.detail}; ${r.workers} workers / threads (${cpus().length} cores). Seconds: median (range) of ${ROUNDS} rounds, page WASM, Node and page WebGPU in turn.`,
    'Probe: probe.json `seconds`, the study\'s own clock (the page\'s starts before its forward engine and workers are made, the CLI\'s after). Study: the page from the click to the report shown; Node the whole `convergent run` process (start, probe, align, report, files written).',
    '',
    '| runner | how | probe s | probe images/s | vs Node | study s | study images/s | vs Node |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const x of r.runners) {
    if (x.error || x.probeSeconds.length === 0) {
      lines.push(`| ${x.runner} | ${x.how || '-'} | not measured: ${x.error ?? 'no run'} | | | | | |`);
      continue;
    }
    const nodeOk = !node.error && node.probeSeconds.length > 0;
    const ratio = (seconds: number[], nodeSeconds: number[]) => (nodeOk ? `${(rate(seconds) / rate(nodeSeconds)).toPrecision(2)}x` : '-');
    lines.push(`| ${x.runner} | ${x.how} | ${secondsCell(x.probeSeconds)} | ${rate(x.probeSeconds).toFixed(0)} | ${ratio(x.probeSeconds, node.probeSeconds)} | ${secondsCell(x.studySeconds)} | ${rate(x.studySeconds).toFixed(0)} | ${ratio(x.studySeconds, node.studySeconds)} |`);
  }
  lines.push('', `Every run measured has the first Node run's summary within ${TOLERANCE.toExponential()}. Load average (1, 5, 15 min): ${load(r.loadBefore)} before, ${load(r.loadAfter)} after.`);
  for (const note of r.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}
