// Where the numbers came from: dead units, backend and device, inputs, the exact commands, timings.
import type { ReportContext, Section } from './figures.js';
import { type Column, esc, htmlTable, int, isTrue, note, seconds } from './html.js';
import type { Row } from './run-data.js';

export const DEAD_LIST_MAX = 40;

function idList(ids: number[]): string {
  return ids.length === 0 ? '–' : ids.slice(0, DEAD_LIST_MAX).join(', ') + (ids.length > DEAD_LIST_MAX ? `, … (${ids.length - DEAD_LIST_MAX} more)` : '');
}

export async function deadSection(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const title = 'Dead and rare units';
  const units = await data.table('units');
  if (!units) return { id: 'dead', title, html: note('tables/units is missing (run `convergent align`).'), figures: [] };
  const rows: { layer: string; net: string; units: number; dead: number[]; rare: number[]; counted: boolean }[] = [];
  for (const layer of data.layers) {
    for (const net of data.nets) {
      const rs = units.filter((r) => r.layer === layer && r.net === net.name);
      if (rs.length === 0) continue;
      rows.push({
        layer,
        net: net.name,
        units: rs.length,
        dead: rs.filter((r: Row) => isTrue(r.dead)).map((r) => Number(r.unit)),
        rare: rs.filter((r: Row) => isTrue(r.rare)).map((r) => Number(r.unit)),
        counted: rs.some((r) => typeof r.active_images === 'number'),
      });
    }
  }
  const anyCounted = rows.some((r) => r.counted);
  const share = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
  type DeadRow = (typeof rows)[number];
  const cols: Column<DeadRow>[] = [
    { label: 'layer', cell: (r) => r.layer },
    { label: 'net', cell: (r) => r.net },
    { label: 'units', cell: (r) => r.units, numeric: true },
    { label: 'dead', cell: (r) => r.dead.length, numeric: true },
    { label: 'dead %', cell: (r) => share(r.dead.length, r.units), numeric: true },
    ...(anyCounted
      ? [
          { label: 'rare', cell: (r: DeadRow) => (r.counted ? r.rare.length : '–'), numeric: true },
          { label: 'rare %', cell: (r: DeadRow) => (r.counted ? share(r.rare.length, r.units) : '–'), numeric: true },
        ]
      : []),
    { label: 'dead unit ids', cell: (r) => idList(r.dead) },
    ...(anyCounted ? [{ label: 'rare unit ids', cell: (r: DeadRow) => idList(r.rare) }] : []),
  ];
  const rareText = anyCounted
    ? ' A rare unit fires (maximum over positions above 0) on fewer probe images than <code>--min-active-images</code>: its correlations rest on a handful of images, so it is left out of matching and every method like a dead unit, and drawn in the same colour. <code>tables/units</code> gives each unit\'s <code>active_images</code>.'
    : ' Runs from activation files have no per-image top-k records, so no unit is counted as rare.';
  const html = `<p>A dead unit is constant over the probe set (at the precision of the activations read), such as a ReLU that never fires. Its correlations are undefined: it is left out of matching and of every mean, and drawn in the “dead or rare” colour in the matrices.${rareText}</p>
${htmlTable(cols, rows)}`;
  return { id: 'dead', title, html, figures: [] };
}

/**
 * The probe's time: the sum of the layers' own times, and a time shared by layers probed in one
 * pass (ONNX probes, `secondsShared`) counted once (the largest, in a run merged from parts whose
 * times were summed per layer).
 */
export function probeSeconds(layers: { seconds: number; secondsShared?: boolean }[]): number {
  let own = 0;
  let shared = 0;
  for (const l of layers) {
    if (!Number.isFinite(l.seconds)) continue;
    if (l.secondsShared) shared = Math.max(shared, l.seconds);
    else own += l.seconds;
  }
  return own + shared;
}

export function runSection(ctx: ReportContext, reportCommand?: string): Section {
  const { data } = ctx;
  const m = data.manifest;
  const layerCols: Column<(typeof m.layers)[number]>[] = [
    { label: 'layer', cell: (l) => l.name },
    { label: 'samples', cell: (l) => int(l.samples), numeric: true },
    { label: 'items', cell: (l) => int(l.items), numeric: true },
    { label: 'samples / item', cell: (l) => int(l.samplesPerItem), numeric: true },
    { label: 'units', cell: (l) => data.nets.map((n) => l.units[n.name] ?? '–').join(' / '), numeric: true, title: data.nets.map((n) => n.name).join(' / ') },
    { label: 'probe time', cell: (l) => (l.secondsShared ? `${seconds(l.seconds)} (all layers)` : seconds(l.seconds)), numeric: true, title: 'an ONNX probe runs every layer in one pass: its time is the whole pass\'s, once' },
    { label: 'sources', cell: (l) => Object.entries(l.sources).map(([net, path]) => `${esc(net)}: <code>${esc(path)}</code>`).join('<br>'), html: true },
  ];
  const total = probeSeconds(m.layers);
  const rows: [string, string][] = [
    ['probe backend and device', esc(m.backend)],
    ['align backend and device', esc(data.summary.backend ?? '–')],
    ['methods', (data.summary.methods ?? []).map((x) => `<code>${esc(x)}</code>`).join(', ') || '–'],
    ['reducers', (m.reducers ?? []).map((x) => `<code>${esc(x)}</code>`).join(', ') || '–'],
    ['probed', esc(m.created)],
    ['probe command', `<code>${esc(m.command)}</code>`],
    ...(reportCommand ? ([['report command', `<code>${esc(reportCommand)}</code>`]] as [string, string][]) : []),
    ['run directory', `<code>${esc(data.run)}</code>`],
    ['probe time, all layers', seconds(total)],
  ];
  const pending = m.pending.length ? note(`Layers chosen but not probed completely (left out): ${m.pending.join(', ')}.`) : '';
  const html = `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>
<h3>Inputs and timings</h3>
${htmlTable(layerCols, m.layers)}
${pending}`;
  return { id: 'run', title: 'Run', html, figures: [] };
}
