// The scripts of `convergent slurm`: a study run as SLURM jobs. Each task of a job array probes
// one shard of the items (`probe --shard K/N`) into a part of its own; a job that depends on the
// array (`--dependency=afterok`) merges the parts into the run, then aligns and reports. A reducer
// that needs a second pass over the data (mi-histograms) adds a merge of the first pass's parts,
// whose shared state (the bin edges) every shard's second pass starts from:
//
//   one pass:   probe (array) -> merge, align, report
//   two passes: probe pass 0 (array) -> merge pass 0 -> probe pass 1 (array) -> merge, align, report
//
// Task K writes RUN/slurm/parts/part-K in the first pass and part-K.pass-1 in the second (the
// first pass's part stays as it was, complete); the second merge completes RUN with the latter.
//
// Every script runs the node and the convergent that wrote it (absolute paths) in the folder the
// command ran in, so relative paths on its command line keep their meaning; every word is quoted
// for bash. A task re-submitted alone (`sbatch --array=K SCRIPT`) continues its part from its
// checkpoint (`--resume`). Pure functions: cli/commands/slurm.ts decides the plan and writes files.
import { join } from 'node:path';
import { shellLine, shellQuote } from './shell-quote.js';

/** What the jobs run and where, as the command decided it. Paths are absolute. */
export interface SlurmPlan {
  /** The node executable and convergent's main.js that wrote the scripts; the jobs run them. */
  node: string;
  /** Words between the executable and main.js: Deno's `run -A` (Node needs none). */
  runtimeArgs?: string[];
  cli: string;
  /** The folder the command ran in: every job runs there. */
  cwd: string;
  /** The run directory the merge writes (RUN). */
  run: string;
  /** How many shards (array tasks). */
  parts: number;
  /** Passes over the data the reducers need (1, or 2 with mi-histograms). */
  passes: number;
  /** Options of every convergent command (--plugin, --config), as words. */
  globalArgs: string[];
  /** The probe's flags (nets, layers, data, batch, reducers and their options), as words; not --out, --shard and the like. */
  probeArgs: string[];
  /** `--checkpoint-every` of every part's probe. */
  checkpointEvery: string;
  /** The merge's flags (--overwrite). */
  mergeArgs: string[];
  /** The align's flags (methods, their options, format), as words. */
  alignArgs: string[];
  /** The report's flags, as words. */
  reportArgs: string[];
  resources: SlurmResources;
}

/** What each job asks SLURM for; absent means the cluster's default. */
export interface SlurmResources {
  partition?: string;
  /** A count, or TYPE:COUNT (`a100:1`). */
  gpusPerTask?: string;
  cpusPerTask?: number;
  /** SLURM's time format: MINUTES, MM:SS, HH:MM:SS, DAYS-HH, DAYS-HH:MM, DAYS-HH:MM:SS. */
  time?: string;
}

/** One job of the chain: a script, and whether it is a job array (one task per part). */
export interface SlurmStage {
  /** The script's file name in RUN/slurm/. */
  file: string;
  /** For people: what the job does. */
  title: string;
  array: boolean;
  /** Its log (an array's: one per task, K for the task's index). */
  log: string;
  /** The script's text. */
  text: string;
}

/** Where the command writes: the scripts, the parts and the jobs' logs, all under RUN/slurm/. */
export function slurmPaths(run: string) {
  const dir = join(run, 'slurm');
  return {
    dir,
    parts: join(dir, 'parts'),
    /** Task K's part of pass `pass`: a later pass writes a part of its own (the first pass's stays complete). */
    part: (k: number | string, pass = 0) => join(dir, 'parts', `part-${k}${passSuffix(pass)}`),
    logs: join(dir, 'logs'),
    submit: join(dir, 'submit.sh'),
  };
}

/** `.pass-P` after a part's name for the passes after the first. */
function passSuffix(pass: number): string {
  return pass === 0 ? '' : `.pass-${pass}`;
}

/** Refuses what SLURM or the scripts cannot take, naming the flag. */
export function checkSlurmPlan(plan: SlurmPlan): void {
  if (!Number.isInteger(plan.parts) || plan.parts < 1) throw new Error(`--parts expects an integer 1 or more, got "${plan.parts}"`);
  if (!Number.isInteger(plan.passes) || plan.passes < 1) throw new Error(`the reducers need ${plan.passes} passes; expected 1 or more`);
  checkDirectivePath('--out', plan.run);
  const { partition, gpusPerTask, cpusPerTask, time } = plan.resources;
  if (partition !== undefined && !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(partition)) {
    throw new Error(`--partition expects a partition name (or several, separated by commas) of letters, digits, '.', '_' and '-', got "${partition}"`);
  }
  if (gpusPerTask !== undefined && !/^([A-Za-z0-9_.-]+:)?[1-9][0-9]*$/.test(gpusPerTask)) {
    throw new Error(`--gpus-per-task expects a count of 1 or more, or TYPE:COUNT (e.g. a100:1), got "${gpusPerTask}"`);
  }
  if (cpusPerTask !== undefined && (!Number.isInteger(cpusPerTask) || cpusPerTask < 1)) throw new Error(`--cpus-per-task expects an integer 1 or more, got "${cpusPerTask}"`);
  if (time !== undefined && !isSlurmTime(time)) {
    throw new Error(`--time expects SLURM's time format: MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS (e.g. 90, 4:00:00, 1-12), got "${time}"`);
  }
}

/** SLURM's --time values (sbatch(1)), and UNLIMITED. */
export function isSlurmTime(time: string): boolean {
  return /^(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|UNLIMITED|INFINITE)$/i.test(time);
}

/**
 * A path in an `#SBATCH` line goes in double quotes, which sbatch reads without the shell: it cannot
 * hold a double quote, a backslash (sbatch's escape, which also turns off the `%` patterns) or a
 * line break. A `%` is written `%%` (sbatch's file-name patterns).
 */
function checkDirectivePath(flag: string, path: string): void {
  const bad = /["\\\n\r]/.exec(path);
  if (bad) throw new Error(`${flag} ${path}: sbatch cannot take a path with ${bad[0] === '"' ? 'a double quote' : bad[0] === '\\' ? 'a backslash' : 'a line break'} in its #SBATCH lines; choose another ${flag}`);
}

/** `dir`/`file` for an #SBATCH line: the folder's `%` escaped, the file name's patterns (`%a`) kept. */
function directivePath(dir: string, file: string): string {
  return `"${dir.replaceAll('%', '%%')}/${file}"`;
}

/** The jobs in the order they run, each depending on the one before. */
export function slurmStages(plan: SlurmPlan): SlurmStage[] {
  checkSlurmPlan(plan);
  const stages: SlurmStage[] = [];
  for (let pass = 0; pass < plan.passes; pass++) {
    const last = pass === plan.passes - 1;
    const suffix = plan.passes === 1 ? '' : `-pass${pass}`;
    stages.push(probeStage(plan, pass, suffix));
    stages.push(last ? finalStage(plan) : mergeStage(plan, pass, suffix));
  }
  return stages;
}

/** The lines every script begins with: what SLURM is asked for, strict bash, the command's folder. */
function header(plan: SlurmPlan, name: string, log: string, comment: string[], array?: string): string[] {
  const logs = slurmPaths(plan.run).logs;
  const { partition, gpusPerTask, cpusPerTask, time } = plan.resources;
  return [
    '#!/bin/bash',
    ...comment.map((line) => `# ${line}`),
    `#SBATCH --job-name=${name}`,
    ...(array ? [`#SBATCH --array=${array}`] : []),
    '#SBATCH --ntasks=1',
    ...(partition !== undefined ? [`#SBATCH --partition=${partition}`] : []),
    ...(gpusPerTask !== undefined ? [`#SBATCH --gpus-per-task=${gpusPerTask}`] : []),
    ...(cpusPerTask !== undefined ? [`#SBATCH --cpus-per-task=${cpusPerTask}`] : []),
    ...(time !== undefined ? [`#SBATCH --time=${time}`] : []),
    // One log per task, kept across re-submissions (appended), so a failure's message stays.
    `#SBATCH --output=${directivePath(logs, log)}`,
    '#SBATCH --open-mode=append',
    'set -euo pipefail',
    `cd ${shellQuote(plan.cwd)}`,
    `node=${shellQuote(plan.node)}`,
    `convergent=${shellQuote(plan.cli)}`,
  ];
}

/** `"$node" "$convergent" GLOBAL COMMAND WORDS...`: the words quoted, the variables left to bash. */
function convergentLine(plan: SlurmPlan, command: string, words: string): string {
  return ['"$node"', shellLine(plan.runtimeArgs ?? []), '"$convergent"', shellLine(plan.globalArgs), command, words].filter((w) => w !== '').join(' ');
}

function probeStage(plan: SlurmPlan, pass: number, suffix: string): SlurmStage {
  const paths = slurmPaths(plan.run);
  const n = plan.parts;
  const file = `probe${suffix}.sh`;
  const second = pass > 0;
  const title = plan.passes === 1 ? 'probe' : `probe, pass ${pass}`;
  const lines = header(plan, `convergent-probe${suffix}`, `probe${suffix}-%a.out`, [
    `convergent slurm: ${title}. Task K of ${n} probes the K-th of ${n} item ranges into`,
    `${paths.part('K', pass)}${second ? `, starting from the merged state of the pass before in ${plan.run}` : ''}.`,
    'Re-submit one failed task alone with `sbatch --array=K THIS_SCRIPT`: it resumes from its checkpoint.',
  ], `0-${n - 1}`);
  const words = [
    `--shard="$SLURM_ARRAY_TASK_ID/${n}"`,
    `--out=${partOfTask(plan, pass)}`,
    ...(second ? [shellQuote(`--next-pass=${plan.run}`)] : []),
    '--resume',
    shellQuote(`--checkpoint-every=${plan.checkpointEvery}`),
    shellLine(plan.probeArgs),
  ].filter((w) => w !== '');
  lines.push(convergentLine(plan, 'probe', words.join(' ')));
  return { file, title: `${title} (array, tasks 0-${n - 1})`, array: true, log: join(paths.logs, `probe${suffix}-K.out`), text: `${lines.join('\n')}\n` };
}

/** The task's part of `pass` for bash: the folder quoted, the task's index left to bash. */
function partOfTask(plan: SlurmPlan, pass: number): string {
  return `${shellQuote(join(slurmPaths(plan.run).parts, 'part-'))}"$SLURM_ARRAY_TASK_ID"${pass === 0 ? '' : shellQuote(passSuffix(pass))}`;
}

/** `merge PART_0 ... PART_{N-1} --out RUN`: the parts of `pass` named one by one, so a missing one is refused by name. */
function mergeLine(plan: SlurmPlan, pass: number): string {
  const paths = slurmPaths(plan.run);
  const parts = Array.from({ length: plan.parts }, (_, k) => paths.part(k, pass));
  return convergentLine(plan, 'merge', shellLine([...parts, `--out=${plan.run}`, ...plan.mergeArgs]));
}

function mergeStage(plan: SlurmPlan, pass: number, suffix: string): SlurmStage {
  const paths = slurmPaths(plan.run);
  const title = `merge, pass ${pass}`;
  const lines = header(plan, `convergent-merge${suffix}`, `merge${suffix}.out`, [
    `convergent slurm: merges the ${plan.parts} parts of pass ${pass} into ${plan.run}; the next pass starts from it.`,
  ]);
  lines.push(mergeLine(plan, pass));
  return { file: `merge${suffix}.sh`, title, array: false, log: join(paths.logs, `merge${suffix}.out`), text: `${lines.join('\n')}\n` };
}

function finalStage(plan: SlurmPlan): SlurmStage {
  const paths = slurmPaths(plan.run);
  const lines = header(plan, 'convergent-merge', 'merge-align-report.out', [
    `convergent slurm: merges the ${plan.parts} parts into ${plan.run}, then aligns and reports.`,
  ]);
  lines.push(mergeLine(plan, plan.passes - 1));
  lines.push(convergentLine(plan, 'align', shellLine([plan.run, ...plan.alignArgs])));
  lines.push(convergentLine(plan, 'report', shellLine([plan.run, ...plan.reportArgs])));
  return { file: 'merge-align-report.sh', title: 'merge, align and report', array: false, log: join(paths.logs, 'merge-align-report.out'), text: `${lines.join('\n')}\n` };
}

/**
 * RUN/slurm/submit.sh: submits the stages in order with `sbatch --parsable`, each after the one
 * before succeeded, and prints every job id and how to re-submit one failed task alone.
 */
export function submitScript(plan: SlurmPlan, stages: SlurmStage[]): string {
  const paths = slurmPaths(plan.run);
  const lines = [
    '#!/bin/bash',
    '# convergent slurm: submits the jobs below in order, each after the one before succeeded.',
    'set -euo pipefail',
  ];
  stages.forEach((stage, i) => {
    const script = shellQuote(join(paths.dir, stage.file));
    const after = i === 0 ? '' : ` --dependency=afterok:"$job${i - 1}"`;
    // `sbatch --parsable` prints JOBID or JOBID;CLUSTER; a failed sbatch stops the script (set -e).
    lines.push(`job${i}=$(sbatch --parsable${after} ${script})`, `job${i}=\${job${i}%%;*}`);
    lines.push(`echo "submitted job $job${i}: ${stage.title}${i === 0 ? '' : ` (after job $job${i - 1})`}"`);
  });
  stages.forEach((stage, i) => {
    if (!stage.array || i + 1 >= stages.length) return;
    const script = join(paths.dir, stage.file);
    lines.push(
      `echo ${shellQuote(`If task K of job`)} "$job${i}" ${shellQuote(`fails (its log: ${stage.log}), fix the cause and re-submit that task alone; it resumes from its checkpoint:`)}`,
      `echo ${shellQuote(`  sbatch --parsable --array=K ${shellQuote(script)}`)}`,
      `echo ${shellQuote('then let the job waiting for it wait for the new job instead (NEW: the number sbatch printed):')}`,
      `echo "  scontrol update JobId=$job${i + 1} Dependency=afterok:NEW"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** The job ids `submit.sh` printed, in stage order. */
export function parseSubmitted(output: string): string[] {
  return [...output.matchAll(/^submitted job (\d+)/gm)].map((m) => m[1]!);
}
