// Our side of the study benchmark (./study.ts): the real `convergent probe` and `report` commands
// in child processes (runCli: wall time and peak RSS of the whole process), plus two in-process
// parts that split what the probe does not record:
//
// - study-ours-forward: the probe's decode (batches of the .npy) and forward passes (the wasm
//   engine the probe uses, every net, the probed ReLUs captured), timed apart; moments are then the
//   probe's wall time less these two (the probe overlaps a batch's forward pass with the previous
//   batch's reduction, so the difference is the reduction's share that was not hidden).
// - study-ours-align: `align` (the library call the CLI makes) once per layer and method, so that
//   a method that fails or is refused costs only itself; per call the time before the method
//   starts (loading the moments, statistics, correlation) and the method's own, each call's peak
//   RSS reset before it (./study-peak.ts); and the numbers the Python way is checked against.
import { join } from 'node:path';
import { align } from '../src/align/align.js';
import { builtinPlugin } from '../src/align/methods/builtin/index.js';
import { createBackend } from '../src/backend/select.js';
import { openImageSource } from '../src/inputs/data/source.js';
import { readOnnxFile } from '../src/inputs/onnx/decode.js';
import { PluginRegistry } from '../src/plugins/registry.js';
import type { Table } from '../src/tables/types.js';
import { runCli, type CliRun } from './merge-shards.js';
import { partConfig, type StudyPartConfig } from './study-config.js';
import { IMAGE_SHAPE, imagesPath, STUDY_LAYERS, studyNets } from './study-inputs.js';
import { peakMiB, resetPeak } from './study-peak.js';
import type { StageTiming, StudyNumber } from './study-report.js';

export const oursRun = (dir: string) => join(dir, 'run');
export const oursMiRun = (dir: string) => join(dir, 'run-mi');
const netFlags = (c: StudyPartConfig) => studyNets(c.dir, c.nets).flatMap((n) => ['--net', `${n.name}=${n.path}`]);
const layerFlags = (layers: string[]) => layers.flatMap((l) => ['--layer', `${l}=${STUDY_LAYERS[l]}`]);

function probeArgs(c: StudyPartConfig, out: string, layers: string[], extra: string[]): string[] {
  return ['probe', ...netFlags(c), '--data', imagesPath(c.dir), '--out', out, '--overwrite', ...layerFlags(layers), '--top-k', '0', '--batch', String(c.batch), '--checkpoint-every', '0', '--backend', 'wasm', ...extra];
}

export interface OursProbe {
  plain: CliRun;
  /** The same probe over one image: what does not grow with N (Node, reading the nets, writing the moments). */
  startup: CliRun;
  /** The probe with the mi-histograms reducer (two passes), over the layers it accepted. */
  mi?: { run: CliRun; layers: string[] };
  /** Per layer MI was refused at, why. */
  miRefused: Record<string, string>;
}

/**
 * The plain probe (moments of every layer, no patches: `--top-k 0`, the Python way draws none),
 * then, when mi is asked for, the probe with its reducer; a layer the reducer refuses (it says so
 * before any work, naming the layer) is dropped and the probe retried on the others.
 */
export async function probeOurs(c: StudyPartConfig): Promise<OursProbe> {
  const startup = await runCli(probeArgs(c, join(c.dir, 'run-one-image'), c.layers, ['--limit', '1']));
  const plain = await runCli(probeArgs(c, oursRun(c.dir), c.layers, []));
  const result: OursProbe = { plain, startup, miRefused: {} };
  if (!c.methods.includes('mi')) return result;
  let layers = [...c.layers];
  while (layers.length > 0) {
    try {
      result.mi = { run: await runCli(probeArgs(c, oursMiRun(c.dir), layers, ['--reducer', 'mi-histograms'])), layers };
      break;
    } catch (e) {
      const message = (e as Error).message;
      const named = layers.find((l) => message.includes(`layer ${l}:`));
      if (!named) {
        for (const l of layers) result.miRefused[l] = message;
        break;
      }
      result.miRefused[named] = message.slice(message.indexOf(`layer ${named}:`));
      layers = layers.filter((l) => l !== named);
    }
  }
  return result;
}

/** Part study-ours-forward: decode and forward passes of every image through every net, timed apart. */
export async function oursForwardPart(): Promise<StageTiming[]> {
  const c = partConfig();
  const backend = await createBackend('wasm', {});
  const nets = await Promise.all(studyNets(c.dir, c.nets).map(async (n) => ({ name: n.name, model: await readOnnxFile(n.path), captures: c.layers.map((l) => STUDY_LAYERS[l]) })));
  resetPeak();
  const engine = await backend.forwardEngine(nets, [...IMAGE_SHAPE]);
  const data = await openImageSource(imagesPath(c.dir), { itemShape: [...IMAGE_SHAPE] });
  let decode = 0;
  let forward = 0;
  try {
    const batches = data.batches(c.batch, {})[Symbol.asyncIterator]();
    for (;;) {
      let started = performance.now();
      const next = await batches.next();
      decode += performance.now() - started;
      if (next.done) break;
      started = performance.now();
      await engine.forward(next.value.data, next.value.n);
      forward += performance.now() - started;
    }
  } finally {
    await data.close();
    await engine.dispose();
    await backend.dispose();
  }
  const peak = peakMiB();
  return [
    { stage: 'decode', seconds: decode / 1000, peakMiB: null, scales: true },
    { stage: 'forward', seconds: forward / 1000, peakMiB: peak, scales: true },
  ];
}

export interface OursAlign {
  stages: StageTiming[];
  numbers: StudyNumber[];
}

const meanOf = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};
const rowsOf = (t: Table | undefined) => (t ? (t.objects() as Record<string, unknown>[]) : []);

type Tables = { get(name: string): Table | undefined };
const summaryColumn = (name: string) => (t: Tables) => meanOf(rowsOf(t.get('summary')).map((r) => r[name] as number | null));
const metricValue = (name: string) => (t: Tables) => meanOf(rowsOf(t.get('metrics')).filter((r) => r.metric === name).map((r) => r.value as number | null));

/** Per method, the number its tables give that the Python way computes too (the mean over the pairs), and its name. */
const NUMBER_OF: Record<string, [string, (t: Tables) => number | null]> = {
  semi: ['semi_corr', summaryColumn('semi_corr')],
  bipartite: ['bipartite_corr', summaryColumn('bipartite_corr')],
  'linear-cka': ['linear_cka', metricValue('linear_cka')],
  mi: ['mi_bipartite', metricValue('mi_bipartite')],
  spectral: ['spectral_k', summaryColumn('spectral_k')],
  hac: ['hac_k', summaryColumn('hac_k')],
  'sparse-prediction': ['sparse_loss', (t) => meanOf(rowsOf(t.get('sparse_prediction')).filter((r) => r.alpha === COMPARE_ALPHA).map((r) => r.loss as number | null))],
};

function numbersOf(layer: string, method: string, tables: Tables): StudyNumber[] {
  const found = NUMBER_OF[method];
  return found ? [{ layer, metric: found[0], value: found[1](tables) }] : [];
}

/** Thrown from a method's progress report once it has run past the stage budget. */
class OverBudget extends Error {
  constructor() {
    super('over the stage budget (study --stage-budget)');
  }
}

/** The alpha whose mean loss is compared with scikit-learn's (one of sparse-prediction's default path). */
export const COMPARE_ALPHA = 0.01;

/** Part study-ours-align: every (layer, method) aligned on its own; MI only on the layers its probe accepted. */
export async function oursAlignPart(): Promise<OursAlign> {
  const c = partConfig();
  const registry = new PluginRegistry();
  registry.add(builtinPlugin, 'built-in');
  const backend = await createBackend('wasm', {});
  const stages: StageTiming[] = [];
  const numbers: StudyNumber[] = [];
  const miLayers: string[] = JSON.parse(process.env.CONVERGENT_STUDY_MI_LAYERS ?? '[]');
  try {
    for (const layer of c.layers) {
      const before: number[] = [];
      for (const method of c.methods) {
        const stage = `${method} ${layer}`;
        if (method === 'mi' && !miLayers.includes(layer)) {
          stages.push({ stage, seconds: null, peakMiB: null, scales: false, error: 'refused by the mi-histograms probe (see the notes)' });
          continue;
        }
        resetPeak();
        const started = performance.now();
        let methodStarted = started;
        const budget = c.stageBudget ?? Infinity;
        // The share done when the budget stopped the method (align may wrap the error it threw).
        let stoppedAt: number | null = null;
        try {
          const result = await align({
            run: method === 'mi' ? oursMiRun(c.dir) : oursRun(c.dir),
            backend,
            registry: registry.methods,
            methods: [method],
            layers: [layer],
            minActiveImages: 0, // --top-k 0 keeps no per-image counts; the Python way drops dead units only
            intervals: false,
            onMethod: () => (methodStarted = performance.now()),
            onMethodProgress: (done, total) => {
              if ((performance.now() - methodStarted) / 1000 <= budget) return;
              stoppedAt = total > 0 ? done / total : 0;
              throw new OverBudget();
            },
          });
          const done = performance.now();
          before.push(methodStarted - started);
          stages.push({ stage, seconds: (done - methodStarted) / 1000, peakMiB: peakMiB(), scales: false });
          numbers.push(...numbersOf(layer, method, result.tables));
        } catch (e) {
          const elapsed = (performance.now() - methodStarted) / 1000;
          if (stoppedAt !== null && stoppedAt > 0) {
            const error = `stopped after ${elapsed.toFixed(0)} s (--stage-budget) at ${(100 * stoppedAt).toFixed(1)}% of its progress; the whole estimated from that share`;
            stages.push({ stage, seconds: elapsed / stoppedAt, peakMiB: peakMiB(), scales: false, estimated: true, error });
          } else {
            const error = stoppedAt !== null ? `stopped after ${elapsed.toFixed(0)} s (--stage-budget) at its first progress report` : (e as Error).message.split('\n')[0];
            stages.push({ stage, seconds: null, peakMiB: peakMiB(), scales: false, error });
          }
        }
      }
      // Loading the moments, statistics and correlations: done by every call; the median call's.
      const sorted = before.sort((a, b) => a - b);
      const base = sorted.length ? sorted[sorted.length >> 1] / 1000 : null;
      stages.splice(stages.length - c.methods.length, 0, { stage: `correlation ${layer}`, seconds: base, peakMiB: null, scales: false, ...(base === null ? { error: 'no align call succeeded' } : {}) });
    }
    // The report needs an aligned run: the default methods (semi, bipartite) over every layer, as `convergent run` does.
    await align({ run: oursRun(c.dir), backend, registry: registry.methods, methods: ['semi', 'bipartite'], minActiveImages: 0, intervals: false });
  } finally {
    await backend.dispose();
  }
  return { stages, numbers };
}

/** `convergent report RUN` on the aligned run: its wall time and peak RSS. */
export function reportOurs(c: StudyPartConfig): Promise<CliRun> {
  return runCli(['report', oursRun(c.dir)]);
}
