// The report of a small run (the planted example, probed and aligned through the library, plus
// stand-in tables for the methods that other modules add), checked as data and in headless
// Chromium: no console errors, every section and figure drawn, and the permuted matrix embedded in
// the page is the one the bipartite matching gave. Chromium missing: the browser test fails under
// CI=true and is skipped otherwise (apt-get install chromium fonts-liberation).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { writePlantedExample } from '../../src/example/write.js';
import { readNpy } from '../../src/io/npy-read.js';
import { builtinPlugin } from '../../src/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/run/align.js';
import { probe } from '../../src/run/probe.js';
import { buildReport, writeReport } from '../../src/report/build.js';
import { levelOf, palette } from '../../src/report/colormap.js';
import { downsample, dequantizeBase64, matchedColumnOrder, permute, quantizeBase64 } from '../../src/report/matrix.js';
import { encodeIndexedPng } from '../../src/report/png.js';
import { readRunTable, type Row } from '../../src/report/load.js';
import { textWidth } from '../../src/report/text-metrics.js';

const CHROMIUM = process.env.CONVERGENT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const haveChromium = existsSync(CHROMIUM);
const requireChromium = process.env.CI === 'true';

const tmp = mkdtempSync(join(tmpdir(), 'convergent-report-'));
const run = join(tmp, 'run');

/** Stand-ins for the tables other methods write, with the columns the report reads. */
async function writeMethodTables(matches: Row[]): Promise<void> {
  const t = join(run, 'tables');
  await writeFile(
    join(t, 'metrics.csv'),
    'layer,net_a,net_b,metric,value\nconv1,netA,netB,linear_cka,0.61\nconv1,netA,netB,mean_cca,0.55\nconv1,netA,netB,cca_rank_a,23\nfc1,netA,netB,linear_cka,0.72\nfc1,netA,netB,mean_cca,\nfc1,netA,netB,cca_rank_a,40\n' +
      'conv1,netA,netB,mi_bipartite,0.41\nconv1,netA,netB,mi_matching_agreement,0.9\nfc1,netA,netB,mi_bipartite,0.38\nfc1,netA,netB,mi_matching_agreement,0.85\n',
  );
  await writeFile(join(t, 'metric_notes.csv'), 'layer,net_a,net_b,metric,reason\nfc1,netA,netB,mean_cca,no canonical correlations\n');
  const sparse = ['layer,net_from,net_to,alpha,loss,mean_nonzeros'];
  for (const layer of ['conv1', 'fc1']) {
    const [base, units] = layer === 'conv1' ? [0.2, 24] : [0.3, 42];
    [0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1].forEach((alpha, i) => sparse.push(`${layer},netA,netB,${alpha},${(base + 0.02 * i * i).toFixed(3)},${(units / (1 + 3 * i)).toFixed(2)}`));
  }
  await writeFile(join(t, 'sparse_prediction.csv'), sparse.join('\n') + '\n');
  // MI matches as the mi method writes them: MI of a pair taken as a monotone function of |r|.
  const mi = (r: unknown) => (typeof r === 'number' ? (-0.5 * Math.log(1 - Math.min(0.99, r * r))).toFixed(4) : '');
  await writeFile(
    join(t, 'mi_matches.csv'),
    'layer,net_a,net_b,unit_a,mi_semi_unit_b,mi_semi,mi_bipartite_unit_b,mi_bipartite\n' +
      matches.map((r) => `${r.layer},${r.net_a},${r.net_b},${r.unit_a},${r.semi_unit_b ?? ''},${mi(r.semi_corr)},${r.bipartite_unit_b ?? ''},${mi(r.bipartite_corr)}`).join('\n') +
      '\n',
  );
  // Cluster order of fc1: each unit of A next to its partner, then B's leftovers; clusters of 4.
  const order: [string, number][] = [];
  const placed = new Set<number>();
  for (const r of matches.filter((m) => m.layer === 'fc1' && m.net_a === 'netA')) {
    order.push(['netA', Number(r.unit_a)]);
    if (typeof r.bipartite_unit_b === 'number') (order.push(['netB', r.bipartite_unit_b]), placed.add(r.bipartite_unit_b));
  }
  for (let u = 0; u < 42; u++) if (!placed.has(u)) order.push(['netB', u]);
  await writeFile(join(t, 'cluster_order.csv'), 'layer,method,net_a,net_b,position,net,unit\n' + order.map(([net, unit], p) => `fc1,spectral,netA,netB,${p},${net},${unit}`).join('\n') + '\n');
  await writeFile(join(t, 'clusters.csv'), 'layer,method,net_a,net_b,net,unit,cluster\n' + order.map(([net, unit], p) => `fc1,spectral,netA,netB,${net},${unit},${Math.floor(p / 4)}`).join('\n') + '\n');
  // Top-k patches for two units of conv1 (the format a later reducer will write).
  const dir = join(run, 'reducers', 'topk', 'conv1', 'netA');
  await mkdir(dir, { recursive: true });
  const img = new Uint8Array(12 * 12).map((_, i) => levelOf(Math.sin(i / 7)));
  for (const u of [0, 1]) await writeFile(join(dir, `${u}.png`), encodeIndexedPng(12, 12, img, palette({ name: 'gray', description: '', stops: ['#000000', '#ffffff'], missing: '#ff0000' })));
}

let matches: Row[];

beforeAll(async () => {
  const example = await writePlantedExample(join(tmp, 'example-data'));
  const backend = await createBackend('reference');
  try {
    await probe({ nets: example.nets, out: run, backend, command: 'convergent run --example (test)' });
    const registry = new PluginRegistry();
    registry.add(builtinPlugin, 'built-in');
    await align({ run, backend, registry: registry.methods, methods: ['semi', 'bipartite'] });
  } finally {
    await backend.dispose();
  }
  matches = (await readRunTable(run, 'matches'))!;
  await writeMethodTables(matches);
}, 120_000);

describe('report pieces', () => {
  it('orders B so that bipartite partners sit on the diagonal', () => {
    // A unit 1 is dead (no partner); B has one unit more than A.
    expect(matchedColumnOrder(4, [2, null, 0])).toEqual([2, 1, 0, 3]);
    // B smaller than A: A's unit 3 is matched to B's 1, beyond B's size.
    expect(matchedColumnOrder(3, [2, null, 0, 1])).toEqual([2, 1, 0]);
    const order = matchedColumnOrder(5, [4, 3, null, 0]);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(order.slice(0, 2)).toEqual([4, 3]);
    expect(order[3]).toBe(0);
  });

  it('quantizes, downsamples and permutes matrices', () => {
    const m = { rows: 2, cols: 3, data: Float64Array.from([1, -1, 0.123456, Number.NaN, 0.5, -0.25]) };
    const back = dequantizeBase64(quantizeBase64(m));
    expect(Number.isNaN(back[3])).toBe(true);
    [0, 1, 2, 4, 5].forEach((k) => expect(Math.abs(back[k] - m.data[k])).toBeLessThan(2e-5));
    const d = downsample(m, 2, 2);
    expect([d.rows, d.cols]).toEqual([1, 2]);
    expect(d.data[0]).toBeCloseTo((1 - 1 + 0.5) / 3, 12);
    expect(d.data[1]).toBeCloseTo((0.123456 - 0.25) / 2, 12);
    expect(Array.from(permute(m, [1, 0], [2, 0]).data)).toEqual([-0.25, Number.NaN, 0.123456, 1]);
  });

  it('measures text like Helvetica', () => {
    expect(textWidth('0', 10)).toBeCloseTo(5.56, 6);
    expect(textWidth('unit of netA', 12)).toBeGreaterThan(50);
    expect(textWidth('unit of netA', 12)).toBeLessThan(80);
  });
});

describe('convergent report', () => {
  it('builds every section from the run, and skips the methods whose tables are missing', async () => {
    const report = await buildReport({ run });
    expect(report.sections.map((s) => s.id)).toEqual(['headline', 'fig1', 'fig3', 'fig2', 'means', 'metrics', 'mi', 'sparse', 'clusters', 'dead', 'run']);
    expect(report.skipped).toEqual([]);
    expect(report.html).toContain('patches of netA unit 0');
    expect(report.html).toMatch(/linear_cka/);
    expect(report.html).toContain('no canonical correlations');
    const metrics = report.sections.find((s) => s.id === 'metrics')!.html;
    expect(metrics).not.toContain('mi_matching_agreement');
    expect(metrics).toMatch(/<td class="num">23<\/td>/);
    expect(report.sections.find((s) => s.id === 'mi')!.html).toContain('mi_matching_agreement');
    const bare = mkdtempSync(join(tmpdir(), 'convergent-report-bare-'));
    spawnSync('cp', ['-r', join(run, 'probe.json'), join(run, 'summary.json'), join(run, 'stats'), bare]);
    await mkdir(join(bare, 'tables'));
    spawnSync('cp', [join(run, 'tables', 'matches.csv'), join(run, 'tables', 'units.csv'), join(run, 'tables', 'summary.csv'), join(bare, 'tables')]);
    const plain = await buildReport({ run: bare });
    expect(plain.sections.map((s) => s.id)).toEqual(['headline', 'fig1', 'fig3', 'fig2', 'means', 'dead', 'run']);
    expect(plain.skipped).toHaveLength(4);
    expect(plain.html).toContain('patches need a run from images');
  });

  it('embeds the between-net matrix with B permuted by the bipartite matching', async () => {
    const report = await buildReport({ run });
    for (const layer of ['conv1', 'fc1']) {
      const fig = report.figures.find((f) => f.id === `fig1-${layer}-netA-netB`);
      expect(fig?.kind).toBe('heatmaps');
      if (fig?.kind !== 'heatmaps') continue;
      const permuted = fig.panels.find((p) => p.id === `fig1/${layer}/netA/netB/permuted`)!;
      const corr = await readNpy(join(run, 'stats', layer, 'corr.netA.netB.npy'));
      const [rows, cols] = corr.shape;
      const order = permuted.data.colAxis.units!;
      const values = dequantizeBase64(permuted.data.hover.data);
      expect(permuted.data.hover.block).toEqual([1, 1]);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const want = corr.data[i * cols + order[j]];
          const got = values[i * cols + j];
          if (Number.isNaN(want)) expect(Number.isNaN(got)).toBe(true);
          else expect(Math.abs(got - want)).toBeLessThan(2e-5);
        }
      }
    }
  });

  it('writes report.html and, with --format png, every figure as a PNG', async () => {
    const { path, figures } = await writeReport({ run, png: true });
    expect(path).toBe(join(run, 'report.html'));
    expect(statSync(path).size).toBeGreaterThan(500_000); // the Vega builds are inlined
    const names = figures.map((f) => f.slice(join(run, 'figures').length + 1)).sort();
    expect(names).toEqual(['clusters-fc1-spectral-netA-netB.png', 'fig1-conv1-netA-netB.png', 'fig1-fc1-netA-netB.png', 'fig3-netA-netB.png', 'means.png', 'mi-partners-netA-netB.png', 'sparse-prediction.png']);
    for (const f of figures) {
      const bytes = readFileSync(f);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect(bytes.readUInt32BE(16)).toBeGreaterThan(400); // width
    }
  }, 120_000);

  it('the command prints the headline table and where the report is', () => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'report', run], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layer\s+net A\s+net B\s+units/);
    expect(r.stdout).toMatch(/fc1 +netA +netB +42/);
    expect(r.stdout).toContain(`Report: ${join(run, 'report.html')}`);
    const bad = spawnSync(process.execPath, ['dist/cli/main.js', 'report', join(tmp, 'nothing')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/is not a run directory/);
  });
});

describe.skipIf(!haveChromium && !requireChromium)('the report in headless Chromium', () => {
  it('opens offline with no errors, draws every section and figure, and embeds the matching', async () => {
    expect(haveChromium, `${CHROMIUM} is missing: apt-get install chromium fonts-liberation`).toBe(true);
    const { path } = await writeReport({ run });
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'convergent-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!/^(file|data):/.test(r.url())) requests.push(r.url());
      });
      await page.goto(`file://${path}`);
      await page.waitForFunction(() => document.documentElement.dataset.ready !== undefined, null, { timeout: 60_000 });
      expect(await page.evaluate(() => document.documentElement.dataset.ready)).toBe('true');

      const sections = await page.evaluate(() =>
        Array.from(document.querySelectorAll('section[data-section]')).map((s) => ({ id: s.id, text: (s as HTMLElement).innerText.length })),
      );
      expect(sections.map((s) => s.id)).toEqual(['headline', 'fig1', 'fig3', 'fig2', 'means', 'metrics', 'mi', 'sparse', 'clusters', 'dead', 'run']);
      for (const s of sections) expect(s.text, s.id).toBeGreaterThan(100);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the window').toBeLessThanOrEqual(1400);

      // Charts: one rendered Vega view each, with a non-empty SVG.
      const charts = await page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
          const svg = el.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return { id: el.getAttribute('data-chart'), rendered: el.getAttribute('data-rendered'), w: box?.width ?? 0, h: box?.height ?? 0, marks: svg?.querySelectorAll('path, circle, .mark-symbol path, .mark-line path').length ?? 0 };
        }),
      );
      expect(charts.map((c) => c.id).sort()).toEqual(['fig3-netA-netB', 'means', 'mi-netA-netB', 'sparse']);
      for (const c of charts) {
        expect(c.rendered, c.id!).toBe('true');
        expect(c.w, c.id!).toBeGreaterThan(200);
        expect(c.h, c.id!).toBeGreaterThan(100);
        expect(c.marks, c.id!).toBeGreaterThan(5);
      }

      // Heatmaps: decoded images with a size on the page.
      const heatmaps = await page.evaluate(() =>
        Array.from(document.querySelectorAll('img.heatmap')).map((img) => {
          const i = img as HTMLImageElement;
          const box = i.getBoundingClientRect();
          return { id: i.dataset.heatmap, natural: [i.naturalWidth, i.naturalHeight], box: [box.width, box.height], complete: i.complete };
        }),
      );
      expect(heatmaps).toHaveLength(2 * 4 + 1);
      for (const h of heatmaps) {
        expect(h.complete, h.id).toBe(true);
        expect(h.natural[0], h.id).toBeGreaterThan(0);
        expect(h.box[0], h.id).toBeGreaterThan(150);
        expect(h.box[1], h.id).toBeGreaterThan(150);
      }
      expect(await page.locator('img.patches').count()).toBe(2);

      // The permuted matrix embedded in the page is the one the matching gave.
      for (const layer of ['conv1', 'fc1']) {
        const embedded = await page.evaluate((id) => {
          const report = (window as unknown as { convergentReport: { heatmaps: Record<string, { rows: number; cols: number; colAxis: { units: number[] } }>; decode: (h: unknown) => Float64Array } }).convergentReport;
          const h = report.heatmaps[id];
          return { rows: h.rows, cols: h.cols, order: h.colAxis.units, values: Array.from(report.decode(h)) };
        }, `fig1/${layer}/netA/netB/permuted`);
        const rows = matches.filter((r) => r.layer === layer && r.net_a === 'netA' && r.net_b === 'netB');
        expect(rows).toHaveLength(embedded.rows);
        let matched = 0;
        for (const r of rows) {
          const i = Number(r.unit_a);
          if (typeof r.bipartite_unit_b !== 'number') continue;
          matched++;
          expect(embedded.order[i], `${layer} unit ${i}`).toBe(r.bipartite_unit_b);
          expect(Math.abs(embedded.values[i * embedded.cols + i] - (r.bipartite_corr as number))).toBeLessThan(2e-5);
        }
        expect(matched).toBeGreaterThan(20);
        expect([...embedded.order].sort((x, y) => x - y)).toEqual(Array.from({ length: embedded.cols }, (_, k) => k));
      }

      // Hover over a diagonal cell of the permuted fc1 matrix names both units and the value.
      const fc1 = matches.find((r) => r.layer === 'fc1' && r.net_a === 'netA' && r.unit_a === 5)!;
      const img = page.locator('img[data-heatmap="fig1/fc1/netA/netB/permuted"]');
      await img.scrollIntoViewIfNeeded();
      const box = (await img.boundingBox())!;
      await page.mouse.move(box.x + ((5 + 0.5) / 42) * box.width, box.y + ((5 + 0.5) / 42) * box.height);
      const tip = await page.locator('#tooltip').innerText();
      expect(tip).toContain('netA unit 5 (row 5)');
      expect(tip).toContain(`netB unit ${fc1.bipartite_unit_b} (column 5)`);
      expect(tip).toContain(`r = ${(fc1.bipartite_corr as number).toFixed(3)}`);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.mouse.move(0, 0);
      const shot = join(tmp, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      console.log(`report screenshot: ${shot}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
