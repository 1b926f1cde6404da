// `convergent slurm --submit` on a real SLURM: the one-node cluster of scripts/slurm/start-one-node.sh
// (Debian's slurm-wlm and munge), as root. A job array of 3 probe shards, then merge, align and
// report; the run it leaves equals `convergent run` of the same inputs on one machine (moments and
// correlations within 1e-12, the same matches; tables equal but for float64 rounding in the last
// digit). With mutual information (a reducer of two passes) the chain has four jobs, and its run
// equals the single one too. Then a task killed (SIGKILL) after its second checkpoint is
// re-submitted alone as submit.sh says, resumes from that checkpoint, and the merge job waiting
// for it, pointed at the new job, completes a run equal to the single one.
//
// The jobs are polled with generous budgets (the machine may be small and busy); nothing is timed.
// Every job the tests submitted is cancelled at the end and the cluster, if they started it, stopped.
// Skipped without root or SLURM, except under CI=true, where it must run (.ci/run installs the packages).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/cluster/shell-quote.js';
import { parseSubmitted, slurmPaths } from '../../src/cluster/slurm.js';
import { tempDir } from '../cli/helpers.js';
import { expectSameMoments, expectSameTables, readManifestSync, writeExactActivations } from '../merge/helpers.js';

const SLURM_DIR = '/var/spool/convergent-slurm';
const env = { ...process.env, SLURM_CONF: join(SLURM_DIR, 'slurm.conf') };
const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
/** A give-up time for the jobs, not a measure: the cluster runs them one or two at a time on this machine's cores. */
const JOB_BUDGET_MS = 10 * 60_000;
/** Each test waits for its chain of jobs (twice for the re-submission), well within vitest's limit. */
const TEST_TIMEOUT_MS = 2 * JOB_BUDGET_MS + 60_000;
/** Starting the cluster (the script waits up to a minute for the node) and the single-machine run. */
const SETUP_TIMEOUT_MS = 5 * 60_000;
const START = join(process.cwd(), 'scripts', 'slurm', 'start-one-node.sh');
const STOP = join(process.cwd(), 'scripts', 'slurm', 'stop-one-node.sh');

const installed = ['sbatch', 'slurmctld', 'slurmd', 'munged'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
const root = process.getuid?.() === 0;
const run = (root && installed) || process.env.CI === 'true';

function sh(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...env, ...options.env }, cwd: options.cwd });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function convergent(args: string[], cwd: string) {
  return sh(process.execPath, [CLI, ...args], { cwd });
}

/** Whether the cluster's three daemons run now (their pid files, as start-one-node.sh keeps them). */
function clusterRunning(): boolean {
  return ['munged', 'slurmctld', 'slurmd'].every((d) => sh('sh', ['-c', `kill -0 "$(cat ${join(SLURM_DIR, 'run', `${d}.pid`)})"`]).code === 0);
}

/**
 * Preloaded into every node of a submission (NODE_OPTIONS; sbatch passes the environment on):
 * task 1 of the array kills itself with SIGKILL just after its second checkpoint took its place,
 * as a crash or a preempted node would, at a step of the probe rather than a moment in time. The
 * other tasks and the merge are left alone. (test/cli/kill-helpers.ts kills at more kinds of step.)
 */
const KILL_TASK_1 = String.raw`
const fs = require('node:fs');
if (process.env.SLURM_ARRAY_TASK_ID === '1') {
  let checkpoints = 0;
  const renameSync = fs.renameSync;
  fs.renameSync = (from, to) => {
    renameSync(from, to);
    if (require('node:path').basename(to) === '.checkpoint' && ++checkpoints === 2) process.kill(process.pid, 'SIGKILL');
  };
  require('node:module').syncBuiltinESMExports();
}
`;

/** Every job id the tests submitted, cancelled at the end whatever happened. */
const submittedIds: string[] = [];

function submitted(ids: string[]): string[] {
  submittedIds.push(...ids);
  return ids;
}

/** Cancels the jobs and waits (within a budget) until none of them still runs, so no probe outlives the test. */
async function cancelAll(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  sh('scancel', ids);
  const until = Date.now() + 2 * 60_000;
  while (Date.now() < until) {
    const r = sh('squeue', ['-h', '-o', '%i %T', '-j', ids.join(',')]);
    if (r.code !== 0 || !/RUNNING|COMPLETING|CONFIGURING/.test(r.stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Each job's state (an array: each task's), with the reason it waits. */
function jobStates(id: string): { state: string; reason: string }[] {
  const r = sh('scontrol', ['show', 'job', '-o', id]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => ({ state: /JobState=(\S+)/.exec(line)?.[1] ?? '?', reason: /Reason=(\S+)/.exec(line)?.[1] ?? '?' }));
}

const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']);

type JobStates = Record<string, { state: string; reason: string }[]>;

/**
 * Polls until the chain `ids` (each job after the one before) can move no more: every job has
 * finished, waits for a dependency that can no longer be met, or waits behind a job that did.
 */
async function settle(ids: string[]): Promise<JobStates> {
  return poll(() => {
    const states: JobStates = Object.fromEntries(ids.map((id) => [id, jobStates(id)]));
    let behindDeadJob = false;
    for (const id of ids) {
      const tasks = states[id]!;
      const stopped = tasks.every((t) => FINISHED.has(t.state) || t.reason === 'DependencyNeverSatisfied' || (behindDeadJob && t.state === 'PENDING'));
      if (!stopped) return { done: false, value: states };
      behindDeadJob = tasks.some((t) => t.state !== 'COMPLETED');
    }
    return { done: true, value: states };
  }, 'the jobs did not finish');
}

/** Calls `check` every second until it is done, or throws after the budget with what it saw last. */
async function poll<T>(check: () => { done: boolean; value: T }, what: string): Promise<T> {
  const until = Date.now() + JOB_BUDGET_MS;
  for (;;) {
    const { done, value } = check();
    if (done) return value;
    if (Date.now() > until) throw new Error(`${what} within the test's budget: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Every log of the run's jobs, for a failure's message. */
function logs(runDir: string): string {
  const dir = slurmPaths(runDir).logs;
  if (!existsSync(dir)) return '(no logs)';
  return readdirSync(dir)
    .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`)
    .join('\n');
}

/** The merged run equals the single-machine run: moments and correlations within 1e-12, the same tables (numbers within 1e-12), a report. */
async function expectSameRun(merged: string, single: string, tables = ['units.csv', 'matches.csv', 'summary.csv']): Promise<void> {
  await expectSameMoments(single, merged, ['conv', 'fc'], 1e-12);
  expectSameTables(single, merged, tables, 1e-12);
  expect(existsSync(join(merged, 'report.html'))).toBe(true);
}

/** Every job and task of `ids` completed, or the states and logs in the message. */
function expectCompleted(states: JobStates, runDir: string): void {
  expect(Object.values(states).flat().every((t) => t.state === 'COMPLETED'), `${JSON.stringify(states)}\n${logs(runDir)}`).toBe(true);
}

describe.skipIf(!run)('convergent slurm on a one-node SLURM cluster', () => {
  let startedHere = false;
  /**
   * Two nets of 29 items (conv and fc layers) whose values stay exact in float32 after any part's
   * shift (test/merge/helpers.ts), so parts and the single run round nothing differently; in a
   * folder whose name has a space and a quote.
   */
  let nets: string;
  let single: string;
  const netFlags = ['--net', 'netA=netA', '--net', 'netB=netB', '--backend', 'reference', '--batch', '4'];

  let singleMi: string;

  beforeAll(() => {
    // Decided before the start, so that a start that fails half way is stopped too.
    startedHere = !clusterRunning();
    const r = sh('bash', [START]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    nets = join(tempDir('slurm-e2e'), "the nets' folder");
    writeExactActivations(nets, 29);
    single = join(nets, 'single');
    const one = convergent(['run', ...netFlags, '--out', single, '--quiet'], nets);
    expect(one.code, one.stderr).toBe(0);
    singleMi = join(nets, 'single mi');
    const mi = convergent(['run', ...netFlags, '--method', 'mi', '--out', singleMi, '--quiet'], nets);
    expect(mi.code, mi.stderr).toBe(0);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (root && installed) await cancelAll(submittedIds);
    if (startedHere) {
      const r = sh('bash', [STOP]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    }
  }, SETUP_TIMEOUT_MS);

  it('a 3-task job array and the merge after it give the run of one machine', async () => {
    const runDir = join(nets, 'slurm run');
    const r = convergent(['slurm', ...netFlags, '--out', runDir, '--parts', '3', '--checkpoint-every', '1batch', '--submit'], nets);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(parseSubmitted(r.stdout));
    expect(ids, r.stdout).toHaveLength(2);
    expect(r.stdout).toContain(`sbatch --parsable --array=K ${shellQuote(join(slurmPaths(runDir).dir, 'probe.sh'))}`);
    const states = await settle(ids);
    expectCompleted(states, runDir);
    expect(Object.values(states).flat()).toHaveLength(4); // three tasks and the merge
    await expectSameRun(runDir, single);
    for (let k = 0; k < 3; k++) expect(existsSync(join(slurmPaths(runDir).part(k), 'probe.json')), `part ${k}`).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('mutual information (two passes): shards, merge, shards of pass 1 from the merged edges, merge, align, report', async () => {
    const runDir = join(nets, 'mi run');
    const r = convergent(['slurm', ...netFlags, '--method', 'mi', '--out', runDir, '--parts', '3', '--submit'], nets);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(parseSubmitted(r.stdout));
    expect(ids, r.stdout).toHaveLength(4);
    const states = await settle(ids);
    expectCompleted(states, runDir);
    expect(Object.values(states).flat()).toHaveLength(8); // two arrays of three tasks, two merges
    await expectSameRun(runDir, singleMi, ['units.csv', 'matches.csv', 'summary.csv', 'mi_matches.csv', 'metrics.csv']);
    for (let k = 0; k < 3; k++) {
      expect(existsSync(join(slurmPaths(runDir).part(k), 'probe.json')), `part ${k}`).toBe(true);
      expect(existsSync(join(slurmPaths(runDir).part(k, 1), 'probe.json')), `part ${k} of pass 1`).toBe(true);
    }
  }, TEST_TIMEOUT_MS);

  it('a task killed mid-probe, re-submitted alone as submit.sh says, resumes from its checkpoint and completes the run', async () => {
    const runDir = join(nets, 'failing run');
    // A checkpoint after every batch: task 1 (items 8..19, 3 batches a layer) dies in its first layer.
    const written = convergent(['slurm', ...netFlags, '--out', runDir, '--parts', '3', '--checkpoint-every', '1batch'], nets);
    expect(written.code, written.stderr).toBe(0);
    const paths = slurmPaths(runDir);
    const killer = join(dirname(nets), 'kill-task-1.cjs');
    writeFileSync(killer, KILL_TASK_1);
    const submission = sh('bash', [paths.submit], { env: { NODE_OPTIONS: `--require ${killer}` } });
    expect(submission.code, submission.stderr).toBe(0);
    const [array, merge] = submitted(parseSubmitted(submission.stdout));
    const first = await settle([array!, merge!]);
    expect(first[array!]!.map((t) => t.state).sort(), logs(runDir)).toEqual(['COMPLETED', 'COMPLETED', 'FAILED']);
    // The merge waits for good (SLURM marks it at its next look at the queue), neither runs nor is dropped.
    const waiting = await poll(() => {
      const states = jobStates(merge!);
      return { done: states[0]?.reason === 'DependencyNeverSatisfied', value: states };
    }, 'the merge job was not marked as waiting for good');
    expect(waiting).toEqual([{ state: 'PENDING', reason: 'DependencyNeverSatisfied' }]);
    expect(existsSync(join(paths.part(1), '.checkpoint')), 'the killed task left its checkpoint').toBe(true);
    expect(existsSync(join(paths.part(1), 'probe.json')) && readManifestSync(paths.part(1)).layers.length, 'the killed task finished no layer').toBeFalsy();

    // The task re-submitted alone (without the killer) and the merge pointed at it: the printed recipe.
    const again = sh('sbatch', ['--parsable', '--array=1', join(paths.dir, 'probe.sh')]);
    expect(again.code, again.stderr).toBe(0);
    const retry = submitted([again.stdout.trim().split(';')[0]!])[0]!;
    expect(submission.stdout).toContain(`scontrol update JobId=${merge} Dependency=afterok:NEW`);
    const update = sh('scontrol', ['update', `JobId=${merge}`, `Dependency=afterok:${retry}`]);
    expect(update.code, update.stderr).toBe(0);
    expectCompleted(await settle([retry, merge!]), runDir);
    expect(readFileSync(join(paths.logs, 'probe-1.out'), 'utf8')).toMatch(/resuming .*part-1 from its checkpoint/);
    await expectSameRun(runDir, single);
  }, TEST_TIMEOUT_MS);
});
