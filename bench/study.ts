// `npm run bench -- study [--images N] [--nets K] [--layers L,..] [--methods M,..] [--rounds R]`
// (issue 15): the paper's study at its shape (K Caffe-style AlexNets, seeded random weights, N
// random 227 x 227 images, conv1-conv5, fc6, fc7, every method), done by us and the way a Python
// user would do it today, on the same inputs and machine in the same run; per stage time and peak
// memory, the ratio, the extrapolation to 50,000 images, and whether the two agree.
// Ours: ./study-ours.ts. The Python way: ./study-python.ts and ./python/study_python.py. Tables:
// ./study-report.ts. With R rounds the sides alternate (ours, Python, ours, Python, ...) and each
// stage shows its median.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadLine } from './alternation.js';
import { parseStudyArgs, setPartConfig, type StudyPartConfig } from './study-config.js';
import { writeStudyInputs } from './study-inputs.js';
import { probeOurs, reportOurs, type OursAlign, type OursProbe } from './study-ours.js';
import { runPythonStudy, type OrtForward } from './study-python.js';
import { compareNumbers, formatAgreementTable, formatDuration, formatStageTable, medianStages, type StageTiming, type StudyNumber, AGREEMENT_TOLERANCE, PAPER_IMAGES } from './study-report.js';
import type { RunPart } from './types.js';

const progress = (message: string) => process.stderr.write(`[study ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

interface RoundResult {
  stages: StageTiming[];
  numbers: StudyNumber[];
  notes: string[];
}

function failed<T extends object>(r: T | { error: string }, what: string, notes: string[]): r is { error: string } {
  if (!('error' in r)) return false;
  notes.push(`${what} failed: ${r.error}`);
  return true;
}

async function oursRound(c: StudyPartConfig, runPart: RunPart): Promise<RoundResult> {
  const notes: string[] = [];
  const stages: StageTiming[] = [];
  progress('ours: decode and forward passes (in process)');
  const fwd = runPart<StageTiming[]>('study-ours-forward');
  const decodeForward = failed(fwd, 'ours decode/forward', notes) ? 0 : fwd.reduce((a, s) => a + (s.seconds ?? 0), 0);
  if (!('error' in fwd)) stages.push(...fwd);
  progress('ours: convergent probe');
  let probe: OursProbe | undefined;
  try {
    probe = await probeOurs(c);
    stages.unshift({ stage: 'start-up', seconds: probe.startup.seconds, peakMiB: probe.startup.maxRssMiB, scales: false });
    const moments = probe.plain.seconds - probe.startup.seconds - decodeForward;
    // Under load the separate measurements can add up to more than the probe, which overlaps the forward passes with the reduction.
    if (moments > 0) stages.push({ stage: 'moments', seconds: moments, peakMiB: probe.plain.maxRssMiB, scales: true });
    else stages.push({ stage: 'moments', seconds: null, peakMiB: probe.plain.maxRssMiB, scales: true, error: `hidden: the probe (${formatDuration(probe.plain.seconds)}) took no longer than start-up, decode and forward measured apart` });
    notes.push(`ours: \`convergent probe\` (no reducers, --top-k 0) took ${formatDuration(probe.plain.seconds)} whole, peak RSS ${probe.plain.maxRssMiB.toFixed(0)} MiB; "start-up" is the same probe over one image (Node, reading the ONNX files, writing the moments: fixed in N), "moments" the whole less start-up, decode and forward (measured apart)`);
    if (probe.mi) {
      stages.push({ stage: 'mi histograms (2nd probe)', seconds: Math.max(0, probe.mi.run.seconds - probe.plain.seconds), peakMiB: probe.mi.run.maxRssMiB, scales: true });
      notes.push(`ours: the probe with --reducer mi-histograms (two passes over the images) at ${probe.mi.layers.join(', ')} took ${formatDuration(probe.mi.run.seconds)}; its stage is that less the plain probe`);
    }
    for (const [layer, why] of Object.entries(probe.miRefused)) notes.push(`ours: mi at ${layer} refused by the probe: ${why}`);
  } catch (e) {
    notes.push(`ours: convergent probe failed: ${(e as Error).message}`);
    return { stages, numbers: [], notes };
  }
  progress('ours: align, one call per layer and method (in process)');
  process.env.CONVERGENT_STUDY_MI_LAYERS = JSON.stringify(probe.mi?.layers ?? []);
  const al = runPart<OursAlign>('study-ours-align');
  if (failed(al, 'ours align', notes)) return { stages, numbers: [], notes };
  stages.push(...al.stages);
  for (const s of al.stages) if (s.error) notes.push(`ours: ${s.stage}: ${s.error}`);
  progress('ours: convergent report');
  try {
    const report = await reportOurs(c);
    stages.push({ stage: 'report', seconds: report.seconds, peakMiB: report.maxRssMiB, scales: false });
  } catch (e) {
    notes.push(`ours: convergent report failed: ${(e as Error).message}`);
  }
  return { stages, numbers: al.numbers, notes };
}

async function pythonRound(c: StudyPartConfig, runPart: RunPart): Promise<RoundResult & { bytes?: number }> {
  const notes: string[] = [];
  progress('Python way: onnxruntime-node forward passes writing .npy');
  const fwd = runPart<OrtForward>('study-ort-forward');
  if (failed(fwd, 'onnxruntime-node forward', notes)) return { stages: [], numbers: [], notes };
  progress('Python way: study_python.py');
  try {
    const py = await runPythonStudy(c);
    for (const s of py.stages) if (s.error) notes.push(`Python way: ${s.stage}: ${s.error}`);
    notes.push(`Python way: onnxruntime-node ${fwd.threads} intra-op threads; study_python.py ran ${formatDuration(py.wallSeconds)} whole (interpreter start and imports included); ${py.notes.join('; ')}`);
    return { stages: [...fwd.stages, ...py.stages], numbers: py.numbers, notes, bytes: fwd.bytesWritten };
  } catch (e) {
    notes.push(`Python way: ${(e as Error).message}`);
    return { stages: fwd.stages, numbers: [], notes, bytes: fwd.bytesWritten };
  }
}

/** The study section: runs both sides (alternated over rounds), then the tables. */
export async function studySection(runPart: RunPart, args: string[]): Promise<string> {
  const config = parseStudyArgs(args);
  const dir = config.dir ?? (await mkdtemp(join(tmpdir(), 'convergent-bench-study-')));
  await mkdir(dir, { recursive: true });
  const c: StudyPartConfig = { ...config, dir };
  setPartConfig(c);
  const loadStart = loadLine();
  try {
    progress(`writing ${c.nets} AlexNets and ${c.images} images into ${dir}`);
    await writeStudyInputs(dir, c.nets, c.images);
    const ours: RoundResult[] = [];
    const python: (RoundResult & { bytes?: number })[] = [];
    for (let r = 0; r < c.rounds; r++) {
      ours.push(await oursRound(c, runPart));
      python.push(await pythonRound(c, runPart));
    }
    const oursStages = medianStages(ours.map((r) => r.stages));
    const pythonStages = medianStages(python.map((r) => r.stages));
    const agreement = compareNumbers(ours[0].numbers, python[0].numbers);
    const bytes = python[0].bytes ?? 0;
    const notes = [...new Set([...ours, ...python].flatMap((r) => r.notes))];
    return [
      `### Study at the paper's shape: ${c.nets} AlexNets, ${c.images} images, ours against the Python way`,
      '',
      `${cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}. Layers ${c.layers.join(', ')}; methods ${c.methods.join(', ')}; batch ${c.batch}; ${c.rounds} round(s), ${c.rounds > 1 ? 'alternated, medians' : 'ours then the Python way'}. ${loadStart} at the start, ${loadLine()} at the end.`,
      '',
      formatStageTable(oursStages, pythonStages, c.images),
      '',
      `Extrapolation to ${PAPER_IMAGES.toLocaleString('en')} images: stages marked "grows with N" in proportion (decode, forward passes, moments, writing activations, MI counts, the Python way's LASSO inputs), the others unchanged (every method of ours works from the D x D moments or the MI histograms, whatever N). The Python way also needs the activations on disk: ${(bytes / 2 ** 30).toFixed(2)} GiB here, ${((bytes * PAPER_IMAGES) / c.images / 2 ** 30).toFixed(0)} GiB at ${PAPER_IMAGES.toLocaleString('en')} images. Peak memory is per stage (the resident high-water mark, reset before each in-process stage; whole child processes otherwise).`,
      '',
      '#### Agreement (the same numbers from both sides)',
      '',
      agreement.length > 0 ? formatAgreementTable(agreement) : 'nothing to compare (a side computed no numbers: see the notes)',
      '',
      ...Object.entries(AGREEMENT_TOLERANCE).map(([metric, t]) => `- ${metric}: tolerance ${t.tol} (${t.why})`),
      '',
      '#### Notes',
      '',
      ...notes.map((n) => `- ${n}`),
    ].join('\n');
  } finally {
    if (!config.dir) await rm(dir, { recursive: true, force: true });
  }
}
