// The study benchmark's tables (issue 15, `npm run bench -- study`): per stage the time and peak
// memory of our pipeline and of the Python-way one, their ratio, and both extrapolated to the
// paper's 50,000 images; then the agreement of the numbers the two computed. Pure functions over
// the measurements (./study.ts gathers them), so that the arithmetic is tested (test/bench/).
import { median } from './alternation.js';

/** One stage of one side: its seconds and peak resident memory, or why it has none. */
export interface StageTiming {
  /** 'decode', 'forward', 'moments', 'bipartite conv1', 'report', ... (the same name on both sides). */
  stage: string;
  seconds: number | null;
  peakMiB: number | null;
  /** Whether the stage's time grows in proportion to the number of images (else it is fixed in N). */
  scales: boolean;
  /** Why it was not measured: refused, failed, not selected; or why `seconds` is an estimate. */
  error?: string;
  /** `seconds` is the whole stage estimated from the share done before the stage budget ran out. */
  estimated?: boolean;
}

/** A number both sides compute, per layer and metric (the mean over the pairs of nets). */
export interface StudyNumber {
  layer: string;
  metric: string;
  value: number | null;
}

export interface SideResult {
  stages: StageTiming[];
  numbers: StudyNumber[];
  notes: string[];
}

/** The absolute difference allowed between ours and Python's value of a metric, and why. */
export const AGREEMENT_TOLERANCE: Record<string, { tol: number; why: string }> = {
  semi_corr: { tol: 1e-5, why: 'both float64 from the same activations; ours rounds them to float32 about a shift (rel. 6e-8)' },
  bipartite_corr: { tol: 1e-5, why: 'as semi_corr' },
  linear_cka: { tol: 1e-5, why: 'as semi_corr' },
  mi_bipartite: { tol: 0.02, why: 'Python places the bin edges at exact quantiles, ours from a seeded 65,536-value reservoir per unit' },
  sparse_loss: { tol: 1e-3, why: 'two coordinate-descent solvers stopped by their own duality-gap tests' },
  spectral_k: { tol: 0, why: 'the eigengap rule on the same Laplacian' },
  hac_k: { tol: 0, why: 'as spectral_k' },
};

export const PAPER_IMAGES = 50_000;

/** Seconds at `target` images from seconds measured at `images`: in proportion when the stage scales with N, else unchanged. */
export function extrapolate(seconds: number, scales: boolean, images: number, target = PAPER_IMAGES): number {
  if (!(images > 0)) throw new RangeError(`extrapolate: images must be positive, got ${images}`);
  return scales ? (seconds * target) / images : seconds;
}

/** Sum of the measured seconds (at `images`, or extrapolated to `target`) and the largest peak. */
export function wholeOf(stages: StageTiming[], images: number, target?: number): { seconds: number; peakMiB: number | null } {
  let seconds = 0;
  let peak: number | null = null;
  for (const s of stages) {
    if (s.seconds !== null) seconds += target === undefined ? s.seconds : extrapolate(s.seconds, s.scales, images, target);
    if (s.peakMiB !== null) peak = Math.max(peak ?? 0, s.peakMiB);
  }
  return { seconds, peakMiB: peak };
}

/** The median of each stage's seconds and peak over rounds (stages matched by name; errors kept from the first round that has one). */
export function medianStages(rounds: StageTiming[][]): StageTiming[] {
  const order: string[] = [];
  const byName = new Map<string, StageTiming[]>();
  for (const round of rounds) {
    for (const s of round) {
      if (!byName.has(s.stage)) {
        byName.set(s.stage, []);
        order.push(s.stage);
      }
      byName.get(s.stage)!.push(s);
    }
  }
  return order.map((name) => {
    const all = byName.get(name)!;
    const measured = all.filter((s) => s.seconds !== null);
    const error = all.find((s) => s.error)?.error;
    const med = (xs: number[]) => (xs.length === 0 ? null : median(xs));
    return {
      stage: name,
      scales: all[0].scales,
      seconds: med(measured.map((s) => s.seconds!)),
      peakMiB: med(measured.filter((s) => s.peakMiB !== null).map((s) => s.peakMiB!)),
      ...(error && measured.length === 0 ? { error } : {}),
      ...(measured.some((s) => s.estimated) ? { estimated: true, error } : {}),
    };
  });
}

/** "12.3", "1 h 02 min" for long times; "-" for none. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  if (seconds < 600) return seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1);
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** formatSeconds with the unit: "12.3 s", "27 min". */
export function formatDuration(seconds: number): string {
  return seconds < 600 ? `${formatSeconds(seconds)} s` : formatSeconds(seconds);
}

const mib = (x: number | null) => (x === null ? '-' : x.toFixed(0));
const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const cell = (text: string) => text.replace(/\|/g, '/').replace(/\n/g, ' ');

/**
 * The per-stage markdown table: our stages in their order, then the Python-only ones, then the
 * whole (sum of the stages, largest peak). Ratio: ours / Python's seconds (above 1: ours slower).
 */
export function formatStageTable(ours: StageTiming[], python: StageTiming[], images: number, target = PAPER_IMAGES): string {
  const names = [...ours.map((s) => s.stage), ...python.map((s) => s.stage).filter((n) => !ours.some((s) => s.stage === n))];
  const find = (side: StageTiming[], name: string) => side.find((s) => s.stage === name);
  const at = (s: StageTiming | undefined, extrapolated: boolean) =>
    s?.seconds == null ? null : extrapolated ? extrapolate(s.seconds, s.scales, images, target) : s.seconds;
  const k = `${Math.round(target / 1000)}k`;
  const lines = [
    `| stage | grows with N | ours s | ours peak MiB | Python-way s | Python-way peak MiB | ours / Python-way | ours at ${k} | Python-way at ${k} |`,
    '| --- | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const name of names) {
    const o = find(ours, name);
    const p = find(python, name);
    const yn = (x: boolean) => (x ? 'yes' : 'no');
    const scales = o && p && o.scales !== p.scales ? `ours ${yn(o.scales)}, Python ${yn(p.scales)}` : yn((o ?? p)!.scales);
    const side = (s: StageTiming | undefined) => (s === undefined ? '(none)' : s.error && s.seconds === null ? `not run: ${cell(s.error)}` : `${s.estimated ? '~' : ''}${formatSeconds(s.seconds)}`);
    lines.push(
      `| ${name} | ${scales} | ${side(o)} | ${mib(o?.peakMiB ?? null)} | ${side(p)} | ${mib(p?.peakMiB ?? null)} | ${ratio(at(o, false), at(p, false))} | ${formatSeconds(at(o, true))} | ${formatSeconds(at(p, true))} |`,
    );
  }
  const wo = wholeOf(ours, images);
  const wp = wholeOf(python, images);
  const xo = wholeOf(ours, images, target).seconds;
  const xp = wholeOf(python, images, target).seconds;
  lines.push(`| **whole** | | **${formatSeconds(wo.seconds)}** | ${mib(wo.peakMiB)} | **${formatSeconds(wp.seconds)}** | ${mib(wp.peakMiB)} | **${ratio(wo.seconds, wp.seconds)}** | ${formatSeconds(xo)} | ${formatSeconds(xp)} |`);
  return lines.join('\n');
}

export interface Agreement {
  layer: string;
  metric: string;
  ours: number | null;
  python: number | null;
  difference: number | null;
  tol: number | null;
  agrees: boolean | null;
}

/** Every (layer, metric) both sides computed, with the difference against the metric's tolerance (null where a side has no value). */
export function compareNumbers(ours: StudyNumber[], python: StudyNumber[]): Agreement[] {
  const rows: Agreement[] = [];
  for (const o of ours) {
    const p = python.find((x) => x.layer === o.layer && x.metric === o.metric);
    if (!p) continue;
    const tol = AGREEMENT_TOLERANCE[o.metric]?.tol ?? null;
    const difference = o.value !== null && p.value !== null ? Math.abs(o.value - p.value) : null;
    rows.push({ layer: o.layer, metric: o.metric, ours: o.value, python: p.value, difference, tol, agrees: difference === null || tol === null ? null : difference <= tol });
  }
  return rows;
}

const num = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toPrecision(7));

export function formatAgreementTable(rows: Agreement[]): string {
  const lines = ['| layer | metric (mean over pairs) | ours | Python-way | abs. difference | tolerance | agrees |', '| --- | --- | ---: | ---: | ---: | ---: | :---: |'];
  for (const r of rows) {
    lines.push(`| ${r.layer} | ${r.metric} | ${num(r.ours)} | ${num(r.python)} | ${r.difference === null ? '-' : r.difference.toExponential(1)} | ${r.tol ?? '-'} | ${r.agrees === null ? '-' : r.agrees ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}
