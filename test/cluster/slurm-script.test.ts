// The scripts of `convergent slurm` (src/cluster/slurm.ts), run by a real bash with stand-ins for
// node and sbatch that record the words they are given: every argument arrives exactly as planned
// (paths with spaces, quotes, `$` and `%`), the stages depend on each other in order, and what
// SLURM cannot take is refused naming the flag. The command itself (cli/commands/slurm.ts) is run
// as a user runs it; the cluster end to end is slurm-e2e.test.ts.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote } from '../../src/cluster/shell-quote.js';
import { parseSubmitted, slurmPaths, slurmStages, submitScript, type SlurmPlan } from '../../src/cluster/slurm.js';
import { convergent, tempDir } from '../cli/helpers.js';

const E2E_NETS = join(process.cwd(), 'test', 'fixtures', 'e2e');

/** Words that bash would otherwise split, expand or glob. */
const AWKWARD = ['plain', 'with space', "it's", 'say "hi"', '$HOME', '`date`', 'a\nb', '*', '~', '', '100%', '-x', 'back\\slash', 'semi;colon', '!bang'];

/** The words bash reads from `line`, as it passes them to a program. */
function bashWords(line: string): string[] {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

/** A program that writes the words it is given (NUL-separated) to $CAPTURE, one file per call. */
function recorder(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/bash\nn=$(ls "$CAPTURE" | wc -l)\nprintf \'%s\\0\' "$@" > "$CAPTURE/$n"\n');
  chmodSync(path, 0o755);
  return path;
}

function recorded(capture: string, call: number): string[] {
  return readFileSync(join(capture, String(call)), 'utf8').split('\0').slice(0, -1);
}

/** A plan in folders whose names need every kind of quoting. */
function awkwardPlan(overrides: Partial<SlurmPlan> = {}): SlurmPlan {
  const root = join(tempDir('slurm-script'), `it's a $HOME 100% run`);
  mkdirSync(join(root, 'cwd `x`'), { recursive: true });
  return {
    node: recorder(root, 'fake node'),
    cli: '/opt/convergent dist/cli/main.js',
    cwd: join(root, 'cwd `x`'),
    run: join(root, 'the run'),
    parts: 3,
    passes: 1,
    globalArgs: ['--plugin=./my plugin.mjs'],
    probeArgs: ['--net=a=nets/net a', "--net=b=it's.npz", '--mean=-0.5', '--batch=7'],
    checkpointEvery: '90s',
    mergeArgs: [],
    alignArgs: ['--method=mi', '--mi.bins=12', '--format=json'],
    reportArgs: [],
    resources: {},
    ...overrides,
  };
}

/** Runs a stage's script as SLURM would (bash, with the task's index), recording node's words. */
function runStage(plan: SlurmPlan, text: string, task?: number): { capture: string; code: number | null; stderr: string } {
  const dir = tempDir('slurm-stage');
  const capture = join(dir, 'capture');
  mkdirSync(capture);
  const script = join(dir, 'job.sh');
  writeFileSync(script, text);
  const env = { ...process.env, CAPTURE: capture, ...(task !== undefined ? { SLURM_ARRAY_TASK_ID: String(task) } : {}) };
  const r = spawnSync('bash', [script], { encoding: 'utf8', env });
  return { capture, code: r.status, stderr: r.stderr };
}

describe('shellQuote', () => {
  it('gives bash back every word exactly, one word each', () => {
    expect(bashWords(shellLine(AWKWARD))).toEqual(AWKWARD);
    for (const word of AWKWARD) expect(bashWords(shellQuote(word))).toEqual([word]);
  });

  it('leaves plain words bare', () => {
    expect(shellLine(['--net=a=/data/net-1.npz', '--shard=0/3'])).toBe('--net=a=/data/net-1.npz --shard=0/3');
  });
});

describe('slurm scripts: one pass', () => {
  it('task K probes shard K/N into part-K with --resume and the probe flags, in the command\'s folder', () => {
    const plan = awkwardPlan();
    mkdirSync(plan.run, { recursive: true });
    const [probe, final] = slurmStages(plan);
    expect(probe!.file).toBe('probe.sh');
    expect(probe!.array).toBe(true);
    const { capture, code, stderr } = runStage(plan, probe!.text, 2);
    expect(code, stderr).toBe(0);
    expect(recorded(capture, 0)).toEqual([
      plan.cli,
      '--plugin=./my plugin.mjs',
      'probe',
      '--shard=2/3',
      `--out=${slurmPaths(plan.run).part(2)}`,
      '--resume',
      '--checkpoint-every=90s',
      ...plan.probeArgs,
    ]);
    expect(final!.file).toBe('merge-align-report.sh');
    expect(final!.array).toBe(false);
  });

  it('the last job merges the parts by name into RUN, then aligns with the method flags and reports', () => {
    const plan = awkwardPlan({ mergeArgs: ['--overwrite'] });
    const final = slurmStages(plan)[1]!;
    const { capture, code, stderr } = runStage(plan, final.text);
    expect(code, stderr).toBe(0);
    const parts = [0, 1, 2].map((k) => slurmPaths(plan.run).part(k));
    expect(recorded(capture, 0)).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'merge', ...parts, `--out=${plan.run}`, '--overwrite']);
    expect(recorded(capture, 1)).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'align', plan.run, ...plan.alignArgs]);
    expect(recorded(capture, 2)).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'report', plan.run]);
  });

  it('a failing command stops the job with its status (set -euo pipefail)', () => {
    const plan = awkwardPlan({ node: '/bin/false' });
    const final = slurmStages(plan)[1]!;
    expect(final.text).toContain('set -euo pipefail');
    const { capture, code } = runStage(plan, final.text);
    expect(code).toBe(1);
    expect(existsSync(join(capture, '0'))).toBe(false);
  });

  it('asks SLURM for the array, resources and one appended log per task, the folder\'s % escaped', () => {
    const plan = awkwardPlan({ resources: { partition: 'gpu,debug', gpusPerTask: 'a100:2', cpusPerTask: 4, time: '1-12:00:00' } });
    const probe = slurmStages(plan)[0]!;
    const directives = probe.text.split('\n').filter((l) => l.startsWith('#SBATCH'));
    const logs = slurmPaths(plan.run).logs.replaceAll('%', '%%');
    expect(directives).toEqual([
      '#SBATCH --job-name=convergent-probe',
      '#SBATCH --array=0-2',
      '#SBATCH --ntasks=1',
      '#SBATCH --partition=gpu,debug',
      '#SBATCH --gpus-per-task=a100:2',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --time=1-12:00:00',
      `#SBATCH --output="${logs}/probe-%a.out"`,
      '#SBATCH --open-mode=append',
    ]);
    // sbatch reads #SBATCH lines up to the first command: all of them come first.
    const lines = probe.text.split('\n');
    expect(lines.findIndex((l) => !l.startsWith('#'))).toBeGreaterThan(lines.findLastIndex((l) => l.startsWith('#SBATCH')));
  });
});

describe('slurm scripts: a reducer with two passes', () => {
  it('probe pass 0 -> merge -> probe pass 1 from the merged run -> merge, align, report', () => {
    const plan = awkwardPlan({ passes: 2 });
    const stages = slurmStages(plan);
    expect(stages.map((s) => [s.file, s.array])).toEqual([
      ['probe-pass0.sh', true],
      ['merge-pass0.sh', false],
      ['probe-pass1.sh', true],
      ['merge-align-report.sh', false],
    ]);
    const pass0 = recorded(runStage(plan, stages[0]!.text, 0).capture, 0);
    expect(pass0).not.toContain(`--next-pass=${plan.run}`);
    const pass1 = recorded(runStage(plan, stages[2]!.text, 1).capture, 0);
    // The second pass writes a part of its own: the first pass's part-1 stays complete.
    expect(pass1.slice(0, 6)).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'probe', '--shard=1/3', `--out=${slurmPaths(plan.run).part(1)}.pass-1`, `--next-pass=${plan.run}`]);
    expect(pass1.slice(-plan.probeArgs.length)).toEqual(plan.probeArgs);
    const merge0 = runStage(plan, stages[1]!.text);
    const partsOf = (pass: string) => [0, 1, 2].map((k) => `${slurmPaths(plan.run).part(k)}${pass}`);
    expect(recorded(merge0.capture, 0)).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'merge', ...partsOf(''), `--out=${plan.run}`]);
    expect(existsSync(join(merge0.capture, '1'))).toBe(false); // no align between the passes
    const final = recorded(runStage(plan, stages[3]!.text).capture, 0);
    expect(final).toEqual([plan.cli, '--plugin=./my plugin.mjs', 'merge', ...partsOf('.pass-1'), `--out=${plan.run}`]);
  });
});

describe('submit.sh', () => {
  /** Runs submit.sh with an sbatch that records its words and prints job ids from 41 (the second as JOBID;CLUSTER). */
  function submit(plan: SlurmPlan) {
    const bin = tempDir('slurm-bin');
    const capture = join(bin, 'capture');
    mkdirSync(capture);
    writeFileSync(join(bin, 'sbatch'), '#!/bin/bash\nn=$(ls "$CAPTURE" | wc -l)\nprintf \'%s\\0\' "$@" > "$CAPTURE/$n"\nif [ "$n" = 1 ]; then echo "$((41 + n));cluster"; else echo $((41 + n)); fi\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
    const stages = slurmStages(plan);
    const r = spawnSync('bash', ['-c', submitScript(plan, stages)], { encoding: 'utf8', env: { ...process.env, CAPTURE: capture, PATH: `${bin}:${process.env.PATH}` } });
    return { r, stages, capture };
  }

  it('submits every stage after the one before, and prints the ids and how to re-submit one task', () => {
    const plan = awkwardPlan({ passes: 2 });
    const { r, stages, capture } = submit(plan);
    expect(r.status, r.stderr).toBe(0);
    const dir = slurmPaths(plan.run).dir;
    expect(recorded(capture, 0)).toEqual(['--parsable', join(dir, 'probe-pass0.sh')]);
    expect(recorded(capture, 1)).toEqual(['--parsable', '--dependency=afterok:41', join(dir, 'merge-pass0.sh')]);
    expect(recorded(capture, 2)).toEqual(['--parsable', '--dependency=afterok:42', join(dir, 'probe-pass1.sh')]);
    expect(recorded(capture, 3)).toEqual(['--parsable', '--dependency=afterok:43', join(dir, 'merge-align-report.sh')]);
    expect(parseSubmitted(r.stdout)).toEqual(['41', '42', '43', '44']);
    expect(stages).toHaveLength(4);
    // The printed re-submission is a command bash reads back to the script's path.
    const resubmit = r.stdout.split('\n').filter((l) => l.trimStart().startsWith('sbatch --parsable --array=K'));
    expect(resubmit).toHaveLength(2);
    expect(bashWords(resubmit[0]!.trim())).toEqual(['sbatch', '--parsable', '--array=K', join(dir, 'probe-pass0.sh')]);
    expect(r.stdout).toContain('scontrol update JobId=42 Dependency=afterok:NEW');
    expect(r.stdout).toContain('scontrol update JobId=44 Dependency=afterok:NEW');
  });

  it('stops at a failed sbatch', () => {
    const plan = awkwardPlan();
    const stages = slurmStages(plan);
    const bin = tempDir('slurm-bin');
    writeFileSync(join(bin, 'sbatch'), '#!/bin/bash\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2\nexit 1\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
    const r = spawnSync('bash', ['-c', submitScript(plan, stages)], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('submitted job');
    expect(r.stderr).toContain('Invalid partition name');
  });
});

describe('slurm scripts: refusals', () => {
  const cases: [string, Partial<SlurmPlan>, RegExp][] = [
    ['no parts', { parts: 0 }, /--parts expects an integer 1 or more, got "0"/],
    ['a fraction of a part', { parts: 1.5 }, /--parts expects an integer 1 or more, got "1.5"/],
    ['a partition with a space', { resources: { partition: 'gpu debug' } }, /--partition expects a partition name .* got "gpu debug"/],
    ['no GPUs per task', { resources: { gpusPerTask: '0' } }, /--gpus-per-task expects a count of 1 or more, or TYPE:COUNT .* got "0"/],
    ['hours as "4h"', { resources: { time: '4h' } }, /--time expects SLURM's time format: .* got "4h"/],
    ['no CPUs per task', { resources: { cpusPerTask: 0 } }, /--cpus-per-task expects an integer 1 or more, got "0"/],
    ['a run path with a double quote', { run: '/tmp/a"b' }, /--out \/tmp\/a"b: sbatch cannot take a path with a double quote in its #SBATCH lines/],
    ['a run path with a backslash', { run: '/tmp/a\\b' }, /--out \/tmp\/a\\b: sbatch cannot take a path with a backslash/],
  ];
  for (const [what, overrides, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => slurmStages(awkwardPlan(overrides))).toThrow(message);
    });
  }

  it('takes every form of SLURM time', () => {
    for (const time of ['90', '30:00', '4:00:00', '2-0', '1-12:30', '1-12:30:15', 'UNLIMITED']) {
      expect(() => slurmStages(awkwardPlan({ resources: { time } })), time).not.toThrow();
    }
  });
});

describe('convergent slurm (the command)', () => {
  /** The e2e fixture nets in a folder with a space in its name. */
  function nets(): string {
    const dir = join(tempDir('slurm-cmd'), 'nets here');
    cpSync(E2E_NETS, dir, { recursive: true });
    return dir;
  }

  it('writes the scripts under RUN/slurm with the run\'s probe, reducer and method flags; a later probe into RUN is not disturbed', () => {
    const dir = nets();
    const run = join(dir, 'the run');
    const r = convergent(['slurm', '--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', run, '--parts', '3', '--method', 'mi', '--mi.bins', '12', '--batch', '5', '--backend', 'reference'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const paths = slurmPaths(run);
    expect(r.stdout).toContain(`Submit with: bash ${paths.submit}`);
    const probe0 = readFileSync(join(paths.dir, 'probe-pass0.sh'), 'utf8');
    expect(probe0).toContain(`cd ${shellQuote(dir)}`);
    expect(probe0).toContain(`node=${shellQuote(process.execPath)}`);
    expect(probe0).toContain(`convergent=${join(process.cwd(), 'dist', 'cli', 'main.js')}`);
    expect(probe0).toContain('--checkpoint-every=5m --backend=reference --net=netA=netA --net=netB=netB.npz --batch=5 --reducer=mi-histograms --mi-histograms.bins=12');
    const final = readFileSync(join(paths.dir, 'merge-align-report.sh'), 'utf8');
    expect(final).toContain(`align ${shellQuote(run)} --backend=reference --method=mi --mi.bins=12`);
    for (const file of ['probe-pass1.sh', 'merge-pass0.sh', 'submit.sh']) expect(existsSync(join(paths.dir, file)), file).toBe(true);
    // RUN holds only slurm/: a probe into it (as the merge will write) is no overwrite.
    const probe = convergent(['probe', '--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', run, '--backend', 'reference', '--quiet'], { cwd: dir });
    expect(probe.code, probe.stderr).toBe(0);
    expect(existsSync(join(paths.dir, 'submit.sh'))).toBe(true);
  });

  it('hands --no-views and --threads to the report job (its views default on, as in `run`)', () => {
    let dir = '';
    const reportLine = (extra: string[]) => {
      dir = nets();
      const run = join(dir, 'run');
      const r = convergent(['slurm', '--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', run, '--parts', '2', '--backend', 'reference', ...extra], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const script = readFileSync(join(slurmPaths(run).dir, 'merge-align-report.sh'), 'utf8');
      return script.split('\n').find((line) => line.includes('"$convergent" report '))!.replace(/^.* report /, '');
    };
    // --format=csv (the tables') must not reach the report, whose --format is html/png.
    expect(reportLine(['--no-views', '--format', 'csv', '--threads', '3'])).toBe(`${shellQuote(join(dir, 'run'))} --no-views --threads=3`);
    expect(reportLine([])).toBe(shellQuote(join(dir, 'run')));
  });

  const refusals: [string, string[], RegExp][] = [
    ['--parts 0', ['--parts', '0'], /--parts expects an integer 1 or more, got "0"/],
    ['more parts than --limit items', ['--parts', '5', '--limit', '3'], /--parts 5 is more than the 3 items of --limit/],
    ['more parts than batches', ['--parts', '4', '--limit', '10', '--batch', '4'], /--parts 4 is more than the 3 batches of --batch 4 that --limit 10 makes: every part needs one batch at least/],
    ['a --time SLURM cannot read', ['--parts', '2', '--time', '2 hours'], /--time expects SLURM's time format/],
    ['a --checkpoint-every in words', ['--parts', '2', '--checkpoint-every', 'often'], /--checkpoint-every takes a duration \(90s, 5m, 1h, or seconds\)/],
    ['a missing net', ['--parts', '2', '--net', 'netC=missing.npz'], /--net netC=missing.npz: no such file or directory/],
    ['an option of a method that does not run', ['--parts', '2', '--mi.bins', '12'], /--mi.bins is given but mi does not run here/],
    ['--blocks (the parts are the blocks)', ['--parts', '2', '--blocks', '4'], /--blocks with slurm: the job array's parts are the blocks already/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} before writing anything`, () => {
      const dir = nets();
      const run = join(dir, 'run');
      const r = convergent(['slurm', '--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', run, ...args], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(run)).toBe(false);
    });
  }

  it('refuses a RUN that holds a run without --overwrite (the merge would, after every task ran)', () => {
    const dir = nets();
    const run = join(dir, 'run');
    const base = ['--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', run, '--backend', 'reference', '--quiet'];
    expect(convergent(['probe', ...base], { cwd: dir }).code).toBe(0);
    const r = convergent(['slurm', ...base, '--parts', '2'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already holds a run .* pass --overwrite/);
    const again = convergent(['slurm', ...base, '--parts', '2', '--overwrite'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(slurmPaths(run).dir, 'merge-align-report.sh'), 'utf8')).toMatch(/--out=.* --overwrite\n/);
  });

  it('--submit without sbatch on PATH is refused, naming sbatch', () => {
    const dir = nets();
    const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'slurm', '--net', 'netA=netA', '--net', 'netB=netB.npz', '--out', 'run', '--parts', '2', '--submit'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--submit: sbatch is not on PATH/);
  });
});
