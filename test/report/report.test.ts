// The report of a small run (the planted example, probed and aligned through the library, plus
// stand-in tables for the methods that other modules add), checked as data and in headless
// Chromium: no console errors, every section and figure drawn, and the permuted matrix embedded in
// the page is the one the bipartite matching gave. Chromium missing: the browser test fails under
// CI=true and is skipped otherwise (apt-get install chromium fonts-liberation).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/select.js';
import { writePlantedExample } from '../../src/example/write.js';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { align } from '../../src/align/align.js';
import { probe } from '../../src/probe/probe.js';
import { buildReport, writeReport } from '../../src/report/build.js';
import { downsample, dequantizeBase64, matchedColumnOrder, permute, quantizeBase64 } from '../../src/report/matrix.js';
import { colorMap } from '../../src/report/colormap.js';
import { IMAGE_MAX_SIDE, heatmapPanel } from '../../src/report/heatmap.js';
import { bipartitePartnersFromTable } from '../../src/report/section-fig1.js';
import { writeNpy } from '../../src/run-dir/npy-write.js';
import { writeUnitPatches } from '../../src/probe/patches.js';
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
  for (const r of matches.filter((m) => m.layer === 'fc1' && m.net_a === 'netA' && m.net_b === 'netB')) {
    order.push(['netA', Number(r.unit_a)]);
    if (typeof r.bipartite_unit_b === 'number') (order.push(['netB', r.bipartite_unit_b]), placed.add(r.bipartite_unit_b));
  }
  for (let u = 0; u < 42; u++) if (!placed.has(u)) order.push(['netB', u]);
  await writeFile(join(t, 'cluster_order.csv'), 'layer,method,net_a,net_b,position,net,unit\n' + order.map(([net, unit], p) => `fc1,spectral,netA,netB,${p},${net},${unit}`).join('\n') + '\n');
  await writeFile(join(t, 'clusters.csv'), 'layer,method,net_a,net_b,net,unit,cluster\n' + order.map(([net, unit], p) => `fc1,spectral,netA,netB,${net},${unit},${Math.floor(p / 4)}`).join('\n') + '\n');
  // Listed in summary.json, as an align that ran these methods lists its tables (the report reads no others).
  const summary = JSON.parse(await readFile(join(run, 'summary.json'), 'utf8'));
  summary.tables.names = (await readdir(t)).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4));
  await writeFile(join(run, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  await writeTopK();
}

/** Patches drawn as the probe draws them: 12 x 12 grey images, a 5 x 5 conv field, k slots per unit. */
const TOPK = { k: 9, images: 50, field: { spatial: true, y: { jump: 1, size: 5, start: -2 }, x: { jump: 1, size: 5, start: -2 } } };
/** conv1 of netA: unit 0 fires on 30 images (9 slots filled), unit 1 on 2 (2 filled, 7 empty). */
const ACTIVE = [30, 2];

async function writeTopK(): Promise<void> {
  const { k, images, field } = TOPK;
  const dir = join(run, 'reducers', 'topk', 'conv1');
  const units = ACTIVE.length;
  const items = new Int32Array(units * k).fill(-1);
  const values = new Float32Array(units * k).fill(-Infinity);
  const ys = new Int32Array(units * k).fill(-1);
  const xs = new Int32Array(units * k).fill(-1);
  ACTIVE.forEach((active, u) => {
    for (let j = 0; j < Math.min(k, active); j++) [items[u * k + j], values[u * k + j], ys[u * k + j], xs[u * k + j]] = [3 * j + u, 5 - 0.5 * j, (j * 5) % 12, (j * 7) % 12];
  });
  const record = { items, values, ys, xs, activeItems: Int32Array.from(ACTIVE), itemsSeen: images };
  const source = { itemShape: [1, 12, 12] as [number, number, number], readItem: async (i: number) => Float32Array.from({ length: 144 }, (_, p) => Math.sin(p / 7 + i) + (p % 12) / 12) };
  await writeUnitPatches(join(dir, 'netA'), record, k, field, source);
  for (const [what, array] of [['items', items], ['values', values], ['y', ys], ['x', xs]] as const) await writeNpy(join(dir, `netA.${what}.npy`), array, [units, k]);
  await writeNpy(join(dir, 'netA.active.npy'), record.activeItems, [units]);
  await writeFile(join(dir, 'result.json'), JSON.stringify({ k, nets: { netA: { units, map: [12, 12], receptiveField: field, images } } }));
}

let matches: Row[];

beforeAll(async () => {
  const example = await writePlantedExample(join(tmp, 'example-data'));
  const backend = await createBackend('reference');
  try {
    // A third net (netB's activations under another name), so that the page has pairs to choose from.
    await probe({ nets: [...example.nets, { name: 'netC', path: example.nets[1].path }], out: run, backend, command: 'convergent run --example (test)' });
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

  it('embeds a column-permuted panel as an order over its source only when the source has a pixel per column', () => {
    const map = colorMap('inferno');
    const axis = { title: 'unit', nets: ['a'] };
    for (const cols of [7, IMAGE_MAX_SIDE + 3]) {
      const m = { rows: 3, cols, data: Float64Array.from({ length: 3 * cols }, (_, k) => Math.sin(k)) };
      const source = heatmapPanel({ id: 'src', title: '', caption: '', matrix: m, rowAxis: axis, colAxis: axis, colorMap: map });
      const order = Array.from({ length: cols }, (_, j) => cols - 1 - j);
      const p = heatmapPanel({ id: 'p', title: '', caption: '', matrix: permute(m, null, order), rowAxis: axis, colAxis: axis, colorMap: map, columnsOf: { from: source, order } });
      if (cols <= IMAGE_MAX_SIDE) expect(p.data).toMatchObject({ derived: { from: 'src', order } });
      else expect(p.data.derived === undefined && typeof p.data.image === 'string').toBe(true); // block-averaged columns cannot be reordered
    }
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

  it('withholds the patches of a unit whose records hold a filler image (runs probed before empty slots were marked)', async () => {
    const path = join(run, 'reducers', 'topk', 'conv1', 'netA.values.npy');
    const original = await readFile(path);
    const values = new Float32Array(ACTIVE.length * TOPK.k).fill(-Infinity);
    for (let j = 0; j < TOPK.k; j++) values[j] = j < 3 ? 1 : 0; // unit 0: 3 real images, then 6 at value 0 with an image index
    values[TOPK.k] = values[TOPK.k + 1] = 1;
    await writeNpy(path, values, [ACTIVE.length, TOPK.k]);
    try {
      const fig2 = (await buildReport({ run })).sections.find((s) => s.id === 'fig2')!.html;
      expect(fig2).toContain('patches withheld: the records of netA unit 0 hold images it does not fire on');
      expect(fig2).not.toContain('alt="top patches of netA unit 0"');
      expect(fig2).toContain('alt="top patches of netA unit 1"');
    } finally {
      await writeFile(path, original);
    }
  });

  it('embeds the between-net matrix with B permuted by the bipartite matching', async () => {
    const report = await buildReport({ run });
    for (const layer of ['conv1', 'fc1']) {
      const fig = report.figures.find((f) => f.id === `fig1-${layer}-netA-netB`);
      expect(fig?.kind).toBe('heatmaps');
      if (fig?.kind !== 'heatmaps') continue;
      const permuted = fig.panels.find((p) => p.id === `fig1/${layer}/netA/netB/permuted`)!;
      const between = fig.panels.find((p) => p.id === `fig1/${layer}/netA/netB/between`)!;
      const corr = await readNpy(join(run, 'stats', layer, 'corr.netA.netB.npy'));
      const [rows, cols] = corr.shape;
      const order = permuted.data.colAxis.units!;
      const partners = bipartitePartnersFromTable(matches.filter((r) => r.layer === layer && r.net_a === 'netA' && r.net_b === 'netB'), rows);
      expect(order).toEqual(matchedColumnOrder(cols, partners));
      // The permuted panel embeds only the order: the page draws it from the between panel's image and values.
      expect(permuted.data.derived).toEqual({ from: between.id, order });
      expect(permuted.data.image).toBeUndefined();
      expect(permuted.data.hover).toBeUndefined();
      const values = dequantizeBase64(between.data.hover!.data);
      expect(between.data.hover!.block).toEqual([1, 1]);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const want = corr.data[i * cols + order[j]];
          const got = values[i * cols + order[j]];
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
    const pairs = ['netA-netB', 'netA-netC', 'netB-netC'];
    const want = ['clusters-fc1-spectral-netA-netB.png', 'means-conv1.png', 'means-fc1.png', 'sparse-prediction.png', ...pairs.flatMap((p) => [`fig1-conv1-${p}.png`, `fig1-fc1-${p}.png`, `fig3-${p}.png`, `mi-partners-${p}.png`])];
    expect(names).toEqual(want.sort());
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

      // Navigation: the page opens on the first layer and pair; choosing others shows their blocks only.
      const shown = () =>
        page.evaluate(() => {
          const visible = (sel: string) => Array.from(document.querySelectorAll(sel)).filter((e) => (e as HTMLElement).offsetParent !== null);
          return {
            fig1: visible('figure.heatmaps[data-figure^="fig1-"]').map((e) => e.id),
            fig3: visible('#fig3 [data-chart]').map((e) => e.getAttribute('data-chart')),
            fig2: visible('#fig2 h3').map((e) => (e as HTMLElement).innerText.replace(/ \(.*/, '')),
            metrics: visible('#metrics h3').map((e) => (e as HTMLElement).innerText),
            means: visible('#means [data-chart]').map((e) => e.getAttribute('data-chart')),
            clusters: visible('#clusters figure').length,
            height: document.documentElement.scrollHeight,
          };
        });
      const choose = async (layer: string, pair: string) => {
        await page.selectOption('#select-layer', layer);
        await page.selectOption('#select-pair', pair);
      };
      const start = await shown();
      expect(start).toMatchObject({ fig1: ['fig1-conv1-netA-netB'], fig3: ['fig3-netA-netB'], fig2: ['conv1: netA vs netB'], metrics: ['conv1'], means: ['means-conv1'], clusters: 0 });
      await choose('fc1', 'netA netC');
      expect(await shown()).toMatchObject({ fig1: ['fig1-fc1-netA-netC'], fig3: ['fig3-netA-netC'], fig2: ['fc1: netA vs netC'], metrics: ['fc1'], means: ['means-fc1'], clusters: 0 });
      await choose('fc1', 'netA netB');
      expect(await shown()).toMatchObject({ fig1: ['fig1-fc1-netA-netB'], fig2: ['fc1: netA vs netB'], clusters: 1 });
      await choose('', '');
      const all = await shown();
      expect(all.fig1).toHaveLength(6);
      expect(all.means).toEqual(['means-conv1', 'means-fc1']);
      expect(all.height, 'one layer and pair at a time keeps the page short').toBeGreaterThan(start.height + 2000);
      // TOC links reach every section.
      expect(await page.locator('nav.toc a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#headline', '#fig1', '#fig3', '#fig2', '#means', '#metrics', '#mi', '#sparse', '#clusters', '#dead', '#run']);

      const sections = await page.evaluate(() =>
        Array.from(document.querySelectorAll('section[data-section]')).map((s) => ({ id: s.id, text: (s as HTMLElement).innerText.length })),
      );
      expect(sections.map((s) => s.id)).toEqual(['headline', 'fig1', 'fig3', 'fig2', 'means', 'metrics', 'mi', 'sparse', 'clusters', 'dead', 'run']);
      for (const s of sections) expect(s.text, s.id).toBeGreaterThan(100);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the window').toBeLessThanOrEqual(1400);
      // Every table fits the window (wide ones scroll in their own box), and the metrics tables need no scrolling at all.
      const tables = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.table-wrap')).map((w) => ({ right: w.getBoundingClientRect().right, scroll: w.scrollWidth, width: w.clientWidth, metrics: !!w.querySelector('table.metrics') })),
      );
      expect(tables.length).toBeGreaterThan(5);
      for (const t of tables) expect(t.right).toBeLessThanOrEqual(1400);
      for (const t of tables.filter((x) => x.metrics)) expect(t.scroll).toBeLessThanOrEqual(t.width);

      // The log axis of each layer's sorted means has one number format (no 0.000001 next to 1e-7).
      for (const chart of ['means-conv1', 'means-fc1']) {
        const logLabels = await page.evaluate((id) =>
          Array.from(document.querySelectorAll(`[data-chart="${id}"] g.role-axis`))
            .filter((g) => /log/i.test(g.getAttribute('aria-label') ?? ''))
            .flatMap((g) => Array.from(g.querySelectorAll('.role-axis-label text')).map((t) => t.textContent ?? '')),
        chart);
        expect(logLabels.length, chart).toBeGreaterThan(2);
        expect(new Set(logLabels.map((l) => /e/.test(l))).size, `${chart}: ${logLabels.join(' ')}`).toBe(1);
      }

      // Charts: one rendered Vega view each, with a non-empty SVG.
      const charts = await page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
          const svg = el.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return { id: el.getAttribute('data-chart'), rendered: el.getAttribute('data-rendered'), w: box?.width ?? 0, h: box?.height ?? 0, marks: svg?.querySelectorAll('path, circle, .mark-symbol path, .mark-line path').length ?? 0 };
        }),
      );
      expect(charts.map((c) => c.id).sort()).toEqual(['fig3-netA-netB', 'fig3-netA-netC', 'fig3-netB-netC', 'means-conv1', 'means-fc1', 'mi-netA-netB', 'mi-netA-netC', 'mi-netB-netC', 'sparse']);
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
      expect(heatmaps).toHaveLength(3 * 2 * 4 + 1);
      for (const h of heatmaps) {
        expect(h.complete, h.id).toBe(true);
        expect(h.natural[0], h.id).toBeGreaterThan(0);
        expect(h.box[0], h.id).toBeGreaterThan(150);
        expect(h.box[1], h.id).toBeGreaterThan(150);
      }

      // Patches: scaled up, and no filler: exactly the slots the records fill show an image (a tile with non-white pixels).
      const patches = await page.evaluate(() =>
        Array.from(document.querySelectorAll('img.patches')).map((img) => {
          const i = img as HTMLImageElement;
          const c = document.createElement('canvas');
          [c.width, c.height] = [i.naturalWidth, i.naturalHeight];
          const g = c.getContext('2d')!;
          g.drawImage(i, 0, 0);
          const px = g.getImageData(0, 0, c.width, c.height).data;
          const unit = Number(/unit (\d+)/.exec(i.alt)![1]);
          const tile = 15; // a 5 x 5 field drawn 3x
          const drawn: boolean[] = [];
          for (let j = 0; j < 9; j++) {
            const [ox, oy] = [(j % 3) * (tile + 2), Math.floor(j / 3) * (tile + 2)];
            let ink = false;
            for (let y = oy; y < oy + tile; y++) for (let x = ox; x < ox + tile; x++) ink ||= px[(y * c.width + x) * 4] !== 255;
            drawn.push(ink);
          }
          return { unit, natural: i.naturalWidth, shown: i.getBoundingClientRect().width, filled: Number(i.dataset.filled), drawn, caption: i.nextElementSibling?.textContent ?? '' };
        }),
      );
      expect(patches.length).toBeGreaterThanOrEqual(2);
      for (const p of patches) {
        const want = Math.min(9, ACTIVE[p.unit]);
        expect(p.filled, `unit ${p.unit}`).toBe(want);
        expect(p.drawn, `unit ${p.unit}`).toEqual(Array.from({ length: 9 }, (_, j) => j < want));
        expect(p.shown / p.natural, `unit ${p.unit}: enlarged by a whole factor`).toBe(3);
        expect(p.caption).toBe(`fires on ${ACTIVE[p.unit]} of ${TOPK.images} images`);
      }

      // Cluster boundaries on the cluster-ordered matrix: one outlined diagonal block per cluster.
      const clusterBlocks = await page.locator('#clusters svg.groups rect').count();
      expect(clusterBlocks).toBe(Math.ceil((await page.evaluate(() => (window as unknown as { convergentReport: { heatmaps: Record<string, { rows: number }> } }).convergentReport.heatmaps['clusters/fc1/spectral/netA/netB'].rows)) / 4));

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
