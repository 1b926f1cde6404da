// The page: one self-contained HTML file. The Vega, Vega-Lite and vega-embed browser builds are
// inlined (no network, opens offline from a file:// URL; in Node read from node_modules by
// vega-builds.ts, in the browser page fetched beside it), the figures' data is one JSON block
// (#convergent-data), and RUNTIME_JS draws it. Pure: no file is read here.
import type { Section } from './figures.js';
import { esc, jsonForScript, pairKey } from './html.js';
import { RUNTIME_JS } from './runtime.js';
import { UNCERTAINTY_CSS } from './uncertainty.js';

/** Browser builds inlined into every report: [package, file next to the package's main entry]. */
export const VEGA_BUILDS: [string, string][] = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
];

/** One build's text as the report inlines it. */
export function vegaBuildScript(pkg: string, file: string, text: string): string {
  return `/* ${pkg}: ${file} */\n${inlineScript(text)}`;
}

/** Script text that cannot close its <script> element early. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

export const CSS = `
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #bdbdbd; --accent: #1f4e9c; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1600px; padding: 28px 36px 64px; color: var(--ink); background: #fff;
  font: 14px/1.5 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
header h1 { font-size: 24px; font-weight: 600; margin: 0 0 4px; }
header .sub { color: var(--muted); margin: 0; }
nav.toc { position: sticky; top: 0; z-index: 5; background: #fff; margin: 16px 0 8px; padding: 8px 0; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); font-size: 13px; }
nav.toc .links { display: flex; flex-wrap: wrap; gap: 4px 18px; }
nav.toc a { color: var(--accent); text-decoration: none; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
nav.toc .view-select { display: flex; flex-wrap: wrap; gap: 4px 22px; margin-top: 6px; align-items: center; }
nav.toc .view-select[hidden] { display: none; }
nav.toc label { font-weight: 600; }
nav.toc select { font: inherit; margin-left: 6px; padding: 1px 4px; }
nav.toc .view-note { color: var(--muted); }
section { scroll-margin-top: 90px; }
.view[hidden] { display: none; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table.metrics th.pair { text-align: right; white-space: nowrap; }
section { margin-top: 30px; }
section > h2 { font-size: 19px; font-weight: 600; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 15px; font-weight: 600; margin: 22px 0 8px; }
h3 .sub { font-weight: normal; color: var(--muted); }
h4 { font-size: 13px; font-weight: 600; margin: 6px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
p { margin: 6px 0 10px; max-width: 980px; }
p.note { color: var(--muted); font-style: italic; }
p.ref { color: var(--muted); font-size: 12.5px; }
${UNCERTAINTY_CSS}
code { font: 12px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f4f4f4; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
table.data { border-top: 1.5px solid var(--ink); border-bottom: 1.5px solid var(--ink); }
table.data th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--ink); padding: 4px 10px; vertical-align: bottom; }
table.data td { padding: 3px 10px; border-bottom: 1px solid #eee; vertical-align: top; }
table.data tr:last-child td { border-bottom: none; }
table.data .num { text-align: right; white-space: nowrap; }
table.compact td, table.compact th { padding: 2px 8px; font-size: 13px; }
table.kv th { text-align: left; font-weight: 600; padding: 3px 16px 3px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 3px 0; }
figure { margin: 10px 0 22px; break-inside: avoid; }
figcaption { font-size: 13px; color: #333; max-width: 1000px; margin-top: 8px; }
.vega { min-height: 40px; }
.vega .vega-embed { display: block; }
.panels { display: grid; gap: 16px; align-items: start; }
.panels.n4 { grid-template-columns: repeat(4, minmax(0, 1fr)) 70px; }
.panels.n3 { grid-template-columns: repeat(3, minmax(0, 290px)) 70px; }
.panels.n2 { grid-template-columns: repeat(2, minmax(0, 290px)) 70px; }
.panels.n1 { grid-template-columns: minmax(0, 560px) 70px; }
.panel .ptitle { font-size: 13px; font-weight: 600; margin-bottom: 4px; text-align: center; }
.panel .pcap { font-size: 12px; color: var(--muted); text-align: center; margin-top: 4px; }
.panel .pimage { position: relative; }
.panel svg.groups { position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none; overflow: visible; }
.panel svg.groups path, .panel svg.groups rect { fill: none; vector-effect: non-scaling-stroke; }
.panel svg.groups .group-line { stroke: rgba(255, 255, 255, 0.55); stroke-width: 0.6px; }
.panel svg.groups rect { stroke: #00e5ff; stroke-width: 1.4px; }
.panel img.heatmap { display: block; width: 100%; height: auto; image-rendering: pixelated; image-rendering: crisp-edges; outline: 1px solid #777; cursor: crosshair; background: #eee; }
.colorbar { font-size: 12px; padding-top: 22px; }
.colorbar .cb-label { margin-bottom: 4px; }
.colorbar .cb-body { display: flex; align-items: stretch; height: 200px; }
.colorbar .cb-image { width: 16px; height: 200px; outline: 1px solid #777; }
.colorbar .cb-ticks { display: flex; flex-direction: column; justify-content: space-between; margin-left: 5px; line-height: 1; }
.colorbar .cb-missing { margin-top: 10px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; outline: 1px solid #777; vertical-align: -2px; }
.pair-tables { display: flex; flex-wrap: wrap; gap: 12px 40px; }
img.patches { display: block; height: auto; image-rendering: pixelated; image-rendering: crisp-edges; outline: 1px solid #ddd; }
img.views { display: block; height: auto; image-rendering: pixelated; image-rendering: crisp-edges; outline: 1px solid #ddd; margin-top: 2px; }
.pcount { font-size: 11.5px; color: var(--muted); white-space: nowrap; }
.flag { font-size: 11px; font-weight: 600; color: #a33; }
details summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
#tooltip { position: fixed; z-index: 10; pointer-events: none; background: rgba(24, 24, 24, 0.92); color: #fff; font-size: 12px; line-height: 1.45;
  padding: 6px 9px; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.25); max-width: 420px; }
#tooltip .tip-value { font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media print { body { padding: 0; max-width: none; } nav.toc { display: none; } section { break-before: auto; } }
`;

export interface PageOptions {
  title: string;
  subtitle: string;
  sections: Section[];
  /** The layers and pairs the view selector offers (blocks tagged with viewBlock()). */
  views: { layers: string[]; pairs: [string, string][] };
  /** Embedded data: charts (Vega-Lite specs by id) and heatmaps (by panel id). */
  data: { version: 1; colorMap: unknown; charts: Record<string, unknown>; heatmaps: Record<string, unknown> };
  skipped: string;
  footer: string;
  /** The Vega, Vega-Lite and vega-embed builds, each as inline script text (vegaBuilds in Node). */
  libs: string[];
}

export async function page(options: PageOptions): Promise<string> {
  const libs = options.libs;
  const toc = options.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const { layers, pairs } = options.views;
  // Shown by the runtime script (without it every block stays visible and the selector is useless).
  const selector = `<div class="view-select" hidden>
<label>Layer<select id="select-layer"><option value="">all layers</option>${layers.map((l) => `<option value="${esc(l)}">${esc(l)}</option>`).join('')}</select></label>
<label>Pair<select id="select-pair"><option value="">all pairs</option>${pairs.map(([a, b]) => `<option value="${esc(pairKey(a, b))}">${esc(a)} vs ${esc(b)}</option>`).join('')}</select></label>
<span class="view-note">Fig. 1, 2, 3, per-layer tables and clusters show the chosen layer and pair; “all” shows every one</span>
</div>`;
  const body = options.sections.map((s) => `<section id="${esc(s.id)}" data-section="${esc(s.id)}">\n<h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="convergent">
<title>${esc(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(options.title)}</h1>
<p class="sub">${options.subtitle}</p>
</header>
<nav class="toc"><div class="links">${toc}</div>${selector}</nav>
${body}
${options.skipped}
<footer>${options.footer}</footer>
<div id="tooltip" hidden></div>
<script type="application/json" id="convergent-data">${jsonForScript(options.data)}</script>
${libs.map((js) => `<script>\n${js}\n</script>`).join('\n')}
<script>${inlineScript(RUNTIME_JS)}</script>
</body>
</html>
`;
}
