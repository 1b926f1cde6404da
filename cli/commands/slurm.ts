// `convergent slurm --net ... --out RUN --parts N [--submit]`: the study of `run` as SLURM jobs, a
// job array of probe shards and a dependent merge, align and report (src/cluster/slurm.ts writes
// the scripts). Everything `run` would refuse is refused here, before a job is submitted.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slurmPaths, slurmStages, submitScript, type SlurmPlan } from '../../src/cluster/slurm.js';
import { writeFileAtomicSync } from '../../src/run-dir/atomic-write.js';
import { makeDirSync } from '../../src/run-dir/make-dir.js';
import { checkProbeTarget } from '../../src/run-dir/replace.js';
import { parseCheckpointEvery } from '../../src/probe/checkpoint.js';
import { plural } from '../../src/util/plural.js';
import { defineCommand } from '../command.js';
import { parseNets, type CliContext } from '../context.js';
import { integerOption } from '../flags.js';
import { declaredFlags, dottedFlags, forwardedFlags } from '../forward-flags.js';
import { info, print } from '../output.js';
import { alignCommand } from './align.js';
import { mergeCommand } from './merge.js';
import { probeCommand } from './probe.js';
import { planRun, withRunOptions } from './run.js';
import { refuseLayerCkaShard } from '../../src/probe/layer-cka/plan.js';

/** The probe's flags that each job sets itself (or that mean something else for a part). */
const PROBE_FLAGS_SET_HERE = ['out', 'overwrite', 'reducer', 'shard', 'resume', 'checkpoint-every', 'next-pass'];
/** The merge's flags that each job sets itself. */
const MERGE_FLAGS_SET_HERE = ['parts', 'out'];
/** Each task checkpoints this often unless --checkpoint-every says otherwise: a re-submitted task loses at most this much work. */
const DEFAULT_CHECKPOINT_EVERY = '5m';
/** align reads the layers from the merged run; `--layer` of the probe may name ONNX tensors. */
const ALIGN_FLAGS_SET_HERE = ['run', 'layer'];

export function slurmCommand(ctx: CliContext) {
  return defineCommand({
    command: 'slurm',
    describe: 'write (or --submit) SLURM jobs that run the study of `run` on many machines: a job array of probe shards, then merge, align and report',
    builder: (y) =>
      withRunOptions(y, ctx)
        .option('parts', { ...integerOption('parts', 'shards of the items, one job array task each', 1), demandOption: true })
        .option('partition', { type: 'string', requiresArg: true, describe: 'SLURM partition of every job (default: the cluster\'s)' })
        .option('gpus-per-task', { type: 'string', requiresArg: true, describe: 'GPUs of each task: a count, or TYPE:COUNT (e.g. a100:1)' })
        .option('cpus-per-task', integerOption('cpus-per-task', 'CPUs of each task', 1))
        .option('time', { type: 'string', requiresArg: true, describe: 'time limit of each job in SLURM\'s format (90, 4:00:00, 1-12)' })
        .option('submit', { type: 'boolean', default: false, describe: 'submit the jobs with sbatch (without it: write them and say how to submit)' }),
    handler: (argv) => {
      const parts = argv.parts!; // demanded by yargs
      const nets = parseNets(argv.net);
      const { methods, reducers, methodOptions, reducerOptions } = planRun(argv, ctx, nets);
      checkPartsFit(parts, argv.limit, argv.batch);
      refuseLayerCkaShard(reducers.map((name) => ({ name }))); // here, not in every task
      if (argv.blocks !== undefined) throw new Error('--blocks with slurm: the job array\'s parts are the blocks already (align takes its intervals from the merged parts); leave --blocks out');
      const checkpointEvery = argv['checkpoint-every'] ?? DEFAULT_CHECKPOINT_EVERY;
      parseCheckpointEvery(checkpointEvery); // refused here, not in every task
      if (argv.submit && !hasSbatch()) throw new Error('--submit: sbatch is not on PATH (is this a SLURM login node?); leave out --submit to write the scripts only');
      const run = resolve(argv.out);
      checkProbeTarget(run, argv.overwrite); // the merge would refuse it, after every task has run
      const passes = Math.max(1, ...reducers.map((name) => ctx.registry.reducers.get(name)!.reducer.passes ?? 1));
      const argvRecord = argv as unknown as Record<string, unknown>;
      const plan: SlurmPlan = {
        node: process.execPath,
        // Under Deno the jobs run `deno run -A main.js ...` (Deno runs no script without `run`'s permissions).
        ...('Deno' in globalThis ? { runtimeArgs: ['run', '-A'] } : {}),
        cli: fileURLToPath(new URL('../main.js', import.meta.url)),
        cwd: process.cwd(),
        run,
        parts,
        passes,
        globalArgs: globalFlags(argvRecord),
        probeArgs: [
          ...forwardedFlags(argvRecord, declaredFlags(probeCommand(ctx)), PROBE_FLAGS_SET_HERE),
          ...reducers.map((r) => `--reducer=${r}`),
          ...dottedFlags(reducerOptions),
        ],
        checkpointEvery,
        mergeArgs: forwardedFlags(argvRecord, declaredFlags(mergeCommand(ctx)), MERGE_FLAGS_SET_HERE), // --overwrite, --no-patches, the backend
        alignArgs: [...forwardedFlags(argvRecord, declaredFlags(alignCommand(ctx)), ALIGN_FLAGS_SET_HERE), ...dottedFlags(methodOptions)],
        // --views and --threads only: the report's --out (the page) and --format (html/png) are not run's --out (the run) and --format (the tables).
        reportArgs: [...(argv.views === false ? ['--no-views'] : []), ...(argv.threads !== undefined ? [`--threads=${argv.threads}`] : [])],
        resources: { partition: argv.partition, gpusPerTask: argv['gpus-per-task'], cpusPerTask: argv['cpus-per-task'], time: argv.time },
      };
      const stages = slurmStages(plan); // refuses bad --partition, --time, ... before anything is written
      const paths = slurmPaths(run);
      for (const dir of [paths.dir, paths.parts, paths.logs]) makeDirSync(dir);
      for (const stage of stages) writeScript(`${paths.dir}/${stage.file}`, stage.text);
      writeScript(paths.submit, submitScript(plan, stages));
      info(`wrote ${plural(stages.length + 1, 'script')} under ${paths.dir} for ${plural(parts, 'part')} (methods ${methods.join(', ')}${passes > 1 ? `; ${passes} passes over the data` : ''})`);
      const earlier = readdirSync(paths.parts).length;
      if (earlier > 0) info(`${paths.parts} holds ${plural(earlier, 'part')} of an earlier submission: each task resumes its part (--resume; a complete one is kept), or refuses if the inputs or options differ (then remove ${paths.parts} to start afresh)`);
      if (!argv.submit) {
        print(`Submit with: bash ${paths.submit}\n`);
        return;
      }
      const submitted = spawnSync('bash', [paths.submit], { encoding: 'utf8' });
      if (submitted.status !== 0) throw new Error(`submitting with ${paths.submit} failed: ${(submitted.stderr || submitted.stdout || String(submitted.error)).trim()}`);
      print(submitted.stdout);
    },
  });
}

/**
 * A part is whole batches of the probe (src/probe/shard.ts), so with --limit there are at most
 * ceil(limit / batch) of them that hold an item; more would leave a task that its probe refuses.
 * (Without --limit the items are counted by each task; its probe refuses an empty part itself.)
 */
function checkPartsFit(parts: number, limit: number | undefined, batch: number | undefined): void {
  if (limit === undefined) return;
  const batches = Math.ceil(limit / (batch ?? 1));
  if (parts <= batches) return;
  const cut = batch === undefined ? `the ${limit} items of --limit` : `the ${batches} batches of --batch ${batch} that --limit ${limit} makes`;
  throw new Error(`--parts ${parts} is more than ${cut}: every part needs one ${batch === undefined ? 'item' : 'batch'} at least (a part is whole batches)`);
}

/** --plugin and --config (options of every command, so not in this builder's types): every job loads the same plugins. */
function globalFlags(argv: Record<string, unknown>): string[] {
  const plugins = (argv.plugin as string[] | undefined) ?? [];
  const config = argv.config as string | undefined;
  return [...plugins.map((p) => `--plugin=${p}`), ...(config !== undefined ? [`--config=${config}`] : [])];
}

function hasSbatch(): boolean {
  return !spawnSync('sbatch', ['--version'], { stdio: 'ignore' }).error;
}

function writeScript(path: string, text: string): void {
  writeFileAtomicSync(path, text);
  chmodSync(path, 0o755);
}
