// Where the numbers came from: dead units, backend and device, inputs, the exact commands, timings.
import type { ReportContext, Section } from './figures.js';
import { type Column, esc, htmlTable, int, note, seconds } from './html.js';
import type { Row } from './load.js';

export const DEAD_LIST_MAX = 40;

export async function deadSection(ctx: ReportContext): Promise<Section> {
  const { data } = ctx;
  const units = await data.table('units');
  if (!units) return { id: 'dead', title: 'Dead units', html: note('tables/units is missing (run `convergent align`).'), figures: [] };
  const rows: { layer: string; net: string; units: number; dead: number[] }[] = [];
  for (const layer of data.layers) {
    for (const net of data.nets) {
      const rs = units.filter((r) => r.layer === layer && r.net === net.name);
      if (rs.length === 0) continue;
      rows.push({ layer, net: net.name, units: rs.length, dead: rs.filter((r: Row) => r.dead === true || r.dead === 'true').map((r) => Number(r.unit)) });
    }
  }
  const cols: Column<(typeof rows)[number]>[] = [
    { label: 'layer', cell: (r) => r.layer },
    { label: 'net', cell: (r) => r.net },
    { label: 'units', cell: (r) => r.units, numeric: true },
    { label: 'dead', cell: (r) => r.dead.length, numeric: true },
    { label: 'dead %', cell: (r) => `${((100 * r.dead.length) / Math.max(1, r.units)).toFixed(1)}%`, numeric: true },
    {
      label: 'dead unit ids',
      cell: (r) => (r.dead.length === 0 ? '–' : r.dead.slice(0, DEAD_LIST_MAX).join(', ') + (r.dead.length > DEAD_LIST_MAX ? `, … (${r.dead.length - DEAD_LIST_MAX} more)` : '')),
    },
  ];
  const html = `<p>A dead unit is constant over the probe set (std ≤ max(1e-12, 1e-6 |mean|)), such as a ReLU that never fires. Its correlations are undefined: it is left out of matching and of every mean, and drawn in the “dead” colour in the matrices.</p>
${htmlTable(cols, rows)}`;
  return { id: 'dead', title: 'Dead units', html, figures: [] };
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
    { label: 'probe time', cell: (l) => seconds(l.seconds), numeric: true },
    { label: 'sources', cell: (l) => Object.entries(l.sources).map(([net, path]) => `${esc(net)}: <code>${esc(path)}</code>`).join('<br>'), html: true },
  ];
  const total = m.layers.reduce((s, l) => s + (Number.isFinite(l.seconds) ? l.seconds : 0), 0);
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
