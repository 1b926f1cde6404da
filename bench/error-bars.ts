// The extra cost of error bars, chance levels and the CKA variants (issue 13), as a ratio to the
// plain probe and align, measured through the real command line (dist/cli/main.js) in child
// processes with ./max-rss-preload.js preloaded (runCli, ./merge-shards.ts), probe and align timed
// apart. Two workloads:
//
// - lenet: the 4 LeNets that `convergent demo` trains and caches (seeds 1-4; trained once by the
//   demo if the cache lacks them), probed on the demo's 2,000 held-out digits at conv1, conv2 and
//   fc1 with the demo's other settings (top-9 patches included).
// - alexnet: an AlexNet-shaped conv5 of 4 nets (256 units x 13 x 13 positions, 300 images) as
//   activation files with a signal shared across nets (./conv-activations.ts), in a temp folder
//   removed after. layer-cka is not measured here: it needs ONNX nets (it pools every layer).
//
// Variants: plain; `probe --blocks 20` (the jackknife in align); `probe --reducer null` (the
// `_chance` columns in align); `probe --reducer sample-norms` + `align --method debiased-cka`;
// `probe --reducer layer-cka` + `align --method layer-cka`. Each run is checked for the columns or
// table its variant exists for, so a flag that silently did nothing cannot pass as cheap.
// Honest timing: the variants alternate (plain, blocks, null, ..., plain, blocks, ...) so that
// a change in the machine's load hits them all alike; each figure is the median of the rounds (3
// for LeNet; 5 for the AlexNet layer, whose runs of a few seconds the load disturbs most);
// wasm backend, checkpoints off, --quiet; the load average is recorded before and after.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from '../cli/commands/demo.js';
import { writeConvLayer, type ConvShape } from './conv-activations.js';
import { runCli, type CliRun } from './merge-shards.js';
import type { RunPart } from './types.js';

/** Rounds of all variants: LeNet's runs take 10-20 s, the AlexNet layer's a few, so it gets more. */
const LENET_ROUNDS = 3;
const ALEXNET_ROUNDS = 5;
const NETS = 4;
const SEEDS = [1, 2, 3, 4];
const DEMO_LAYERS = ['conv1', 'conv2', 'fc1'];
const DEMO_SPLIT = '8000:10000';
export const ALEXNET_CONV5: ConvShape = { channels: 256, height: 13, width: 13 };
export const ALEXNET_IMAGES = 300;
const BLOCKS = 20;

interface Variant {
  name: string;
  probe: string[];
  align: string[];
  /** Why the run does not show what the variant is for, or null when it does. */
  check: (run: string) => string | null;
}

/** RUN/tables/TABLE as text; empty when align did not write it. */
function readTable(run: string, table: string): string {
  const path = join(run, 'tables', table);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
const header = (run: string, table: string): string => readTable(run, table).split('\n', 1)[0];
const hasColumn = (table: string, column: string) => (run: string) =>
  header(run, table).split(',').includes(column) ? null : `tables/${table} has no column ${column}`;

const VARIANTS: Variant[] = [
  { name: 'plain', probe: [], align: [], check: () => null },
  { name: `--blocks ${BLOCKS}`, probe: ['--blocks', String(BLOCKS)], align: [], check: hasColumn('summary.csv', 'semi_corr_se') },
  { name: '--reducer null', probe: ['--reducer', 'null'], align: [], check: hasColumn('summary.csv', 'semi_corr_chance') },
  {
    name: '--reducer sample-norms, --method debiased-cka',
    probe: ['--reducer', 'sample-norms'],
    align: ['--method', 'debiased-cka'],
    check: (run) => (readTable(run, 'metrics.csv').includes(',linear_cka_debiased,') ? null : 'tables/metrics.csv has no linear_cka_debiased row'),
  },
  {
    name: '--reducer layer-cka, --method layer-cka',
    probe: ['--reducer', 'layer-cka'],
    align: ['--method', 'layer-cka'],
    check: hasColumn('layer_cka.csv', 'linear_cka_debiased'),
  },
];

export interface VariantCost {
  variant: string;
  /** Medians over the repeats, and the fastest and slowest run (the spread the load caused). */
  probeSeconds: number;
  alignSeconds: number;
  probeRange: [number, number];
  alignRange: [number, number];
  probeRssMiB: number;
  alignRssMiB: number;
  /** Why the variant was not measured. */
  error?: string;
}

export interface WorkloadCost {
  workload: string;
  /** What was probed, in words. */
  detail: string;
  repeats: number;
  /** os.loadavg() (1, 5, 15 minutes) before the first run and after the last. */
  loadBefore: number[];
  loadAfter: number[];
  variants: VariantCost[];
  notes: string[];
}

const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Probes and aligns with every variant, `rounds` rounds of all variants in turn (probe, then align
 * of the same run), each run in a fresh folder under `dir` removed after its align.
 */
async function measure(workload: string, detail: string, dir: string, probeBase: string[], variants: Variant[], rounds: number, notes: string[]): Promise<WorkloadCost> {
  const loadBefore = loadavg();
  const runs = variants.map(() => ({ probe: [] as CliRun[], align: [] as CliRun[], error: undefined as string | undefined }));
  for (let round = 0; round < rounds; round++) {
    for (const [v, variant] of variants.entries()) {
      const state = runs[v];
      if (state.error) continue;
      const out = join(dir, `run-${v}`);
      try {
        state.probe.push(await runCli(['probe', ...probeBase, '--out', out, '--backend', 'wasm', '--checkpoint-every', '0', ...variant.probe]));
        state.align.push(await runCli(['align', out, '--backend', 'wasm', ...variant.align]));
        state.error = variant.check(out) ?? undefined;
      } catch (e) {
        state.error = (e as Error).message;
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    }
  }
  const costs = variants.map((variant, v): VariantCost => {
    const { probe, align, error } = runs[v];
    if (error) return { variant: variant.name, probeSeconds: NaN, alignSeconds: NaN, probeRange: [NaN, NaN], alignRange: [NaN, NaN], probeRssMiB: NaN, alignRssMiB: NaN, error };
    return {
      variant: variant.name,
      probeSeconds: median(probe.map((r) => r.seconds)),
      alignSeconds: median(align.map((r) => r.seconds)),
      probeRange: range(probe.map((r) => r.seconds)),
      alignRange: range(align.map((r) => r.seconds)),
      probeRssMiB: median(probe.map((r) => r.maxRssMiB)),
      alignRssMiB: median(align.map((r) => r.maxRssMiB)),
    };
  });
  return { workload, detail, repeats: rounds, loadBefore, loadAfter: loadavg(), variants: costs, notes };
}

/** The cached ONNX file of each demo seed (the newest when several trainings are cached), or null if one is missing. */
function cachedDemoNets(): string[] | null {
  const dir = join(defaultCacheDir(), 'nets');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir);
  const paths = SEEDS.map((seed) => {
    const found = files.filter((f) => f.startsWith(`lenet-seed${seed}-`) && f.endsWith('.onnx')).map((f) => join(dir, f));
    return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  });
  return paths.every(Boolean) ? paths : null;
}

/** The LeNet demo's nets and probe, every variant. */
export async function benchErrorBarsLenet(): Promise<WorkloadCost> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-error-bars-'));
  try {
    const notes: string[] = [];
    let nets = cachedDemoNets();
    if (!nets) {
      // The demo trains the 4 nets and caches them (about a minute); its own run is not needed.
      notes.push('the demo nets were not cached: trained once by `convergent demo` before measuring');
      await runCli(['demo', '--out', join(dir, 'demo'), '--backend', 'wasm']);
      nets = cachedDemoNets();
      if (!nets) throw new Error(`convergent demo did not leave the nets of seeds ${SEEDS.join(', ')} in ${join(defaultCacheDir(), 'nets')}`);
    }
    const probeBase = [...nets.flatMap((path, k) => ['--net', `seed${SEEDS[k]}=${path}`]), '--data', 'mnist', '--split', DEMO_SPLIT, ...DEMO_LAYERS.flatMap((l) => ['--layer', l])];
    const detail = `4 LeNets of \`convergent demo\` (seeds 1-4), 2,000 held-out MNIST digits, layers ${DEMO_LAYERS.join(', ')}, top-9 patches as in the demo`;
    return await measure('LeNet demo', detail, dir, probeBase, VARIANTS, LENET_ROUNDS, notes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The AlexNet-shaped conv5 activation files, every variant but layer-cka (ONNX probes only). */
export async function benchErrorBarsAlexnet(images = ALEXNET_IMAGES, shape = ALEXNET_CONV5): Promise<WorkloadCost> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-error-bars-'));
  try {
    const probeBase: string[] = [];
    for (let k = 0; k < NETS; k++) {
      const path = join(dir, `net${k}`);
      await mkdir(path);
      await writeConvLayer(join(path, 'conv5.npy'), images, shape, 7, 3000 + k);
      probeBase.push('--net', `net${k}=${path}`);
    }
    const { channels, height, width } = shape;
    const detail = `conv5 of ${NETS} nets as float32 activation files, ${channels} units x ${height} x ${width} positions, ${images} images (${images * height * width} samples, D = ${NETS * channels})`;
    const variants = VARIANTS.filter((v) => !v.name.includes('layer-cka'));
    return await measure('AlexNet conv5', detail, dir, probeBase, variants, ALEXNET_ROUNDS, ['layer-cka not measured: it pools every layer of ONNX nets, activation files have no nets to run']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const spread = (median: number, [lo, hi]: [number, number]) => `${fixed(median, 1)} (${fixed(lo, 1)}-${fixed(hi, 1)})`;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

export function formatErrorBarsTable(workloads: WorkloadCost[]): string {
  const lines = [
    '| workload | variant | probe s (min-max) | align s (min-max) | probe peak RSS MiB | align peak RSS MiB | probe ratio | align ratio |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const w of workloads) {
    const plain = w.variants.find((v) => v.variant === 'plain');
    for (const v of w.variants) {
      if (v.error) {
        lines.push(`| ${w.workload} | ${v.variant} | not measured: ${v.error.replace(/\|/g, '/')} | | | | | |`);
        continue;
      }
      const ratio = (x: number, base: number | undefined) => (base && Number.isFinite(base) ? `${(x / base).toFixed(2)}x` : '-');
      lines.push(
        `| ${w.workload} | ${v.variant} | ${spread(v.probeSeconds, v.probeRange)} | ${spread(v.alignSeconds, v.alignRange)} | ${fixed(v.probeRssMiB, 0)} | ${fixed(v.alignRssMiB, 0)} | ${ratio(v.probeSeconds, plain?.probeSeconds)} | ${ratio(v.alignSeconds, plain?.alignSeconds)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** `npm run bench -- error-bars`: both workloads, each in its own child (runPart). */
export function errorBarsSection(runPart: RunPart): string {
  const loadStart = loadavg();
  const workloads: WorkloadCost[] = [];
  const lines = [`### Cost of error bars, chance levels and CKA variants (ratio to the plain probe and align)`, ''];
  for (const [part, name] of [['error-bars-lenet', 'LeNet demo'], ['error-bars-alexnet', 'AlexNet conv5']]) {
    const r = runPart<WorkloadCost>(part);
    if ('error' in r) lines.push(`${name}: not measured (${r.error})`, '');
    else workloads.push(r);
  }
  lines.push(
    `Each command is a child process of the real CLI (wasm backend, all cores, \`--checkpoint-every 0 --quiet\`); wall time includes Node's start-up and writing the run. Variants alternate (plain, then each variant, round after round); the median of the rounds is shown (times with the fastest and slowest run in brackets; peak RSS is the median too). Ratios are of the medians, to plain on the same workload: the LeNet probe includes the forward passes and the demo's top-9 patches, the AlexNet probe reads activation files, so its ratios show the accumulation alone. Load average (1 / 5 / 15 min) at the start: ${load(loadStart)}.`,
    '',
  );
  for (const w of workloads) {
    lines.push(`- ${w.workload}: ${w.detail}; median of ${w.repeats} rounds. Load average before ${load(w.loadBefore)}, after ${load(w.loadAfter)}.${w.notes.length ? ` ${w.notes.join('; ')}.` : ''}`);
  }
  if (workloads.length > 0) lines.push('', formatErrorBarsTable(workloads));
  return lines.join('\n');
}
