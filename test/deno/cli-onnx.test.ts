// `convergent run` on two small ONNX models with `--data mnist` under Deno, against Node: the
// same headline and status lines, moments, top-k records and patch PNGs byte for byte, tables
// within 1e-12; `convergent slurm`'s jobs, which must start Deno as `deno run -A`; then
// `convergent report` (HTML and PNG figures) of one run under both: the same page but for the
// time it was made, and the same figures byte for byte.
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SPLIT, writeMnistNet } from '../probe/resume-helpers.js';
import { bash, denoCli, expectSameRun, filesUnder, hasDeno, nodeCli, reportContent, reportSections, statusLines, succeeded, tempDir, warnWithoutDeno, type Result } from './helpers.js';

warnWithoutDeno('Deno CLI test (ONNX run, slurm, report)');

describe.runIf(hasDeno)('convergent run, slurm and report on ONNX models under Deno', () => {
  let dir = '';
  let node: Result;
  let deno: Result;

  beforeAll(() => {
    dir = tempDir('onnx');
    writeMnistNet(join(dir, 'a.onnx'), 1);
    writeMnistNet(join(dir, 'b.onnx'), 2);
    const args = ['run', '--net', 'a=../a.onnx', '--net', 'b=../b.onnx', '--data', 'mnist', '--split', MNIST_SPLIT, '--backend', 'wasm', '--out', 'run'];
    for (const who of ['node', 'deno']) mkdirSync(join(dir, who));
    node = succeeded('node run', nodeCli(args, join(dir, 'node')));
    deno = succeeded('deno run', denoCli(args, join(dir, 'deno')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run --data mnist prints and writes what Node does', () => {
    expect(node.stdout).toContain('bipartite r');
    expect(deno.stdout).toBe(node.stdout);
    expect(statusLines(deno.stderr)).toBe(statusLines(node.stderr));
    expect(filesUnder(join(dir, 'node', 'run')).filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    expectSameRun(join(dir, 'deno', 'run'), join(dir, 'node', 'run'));
  });

  it('slurm writes jobs that run the CLI under Deno (`deno run -A`), and a part probes as under Node', () => {
    // Each runtime writes its scripts and runs part 1 of 2 as SLURM would (the task id in the environment).
    const args = ['slurm', '--net', 'a=../a.onnx', '--net', 'b=../b.onnx', '--data', 'mnist', '--split', MNIST_SPLIT, '--batch', '8', '--backend', 'wasm', '--parts', '2', '--out', 'study'];
    const part = (who: string) => join(dir, `${who}-slurm`, 'study', 'slurm', 'parts', 'part-1');
    for (const [who, cli] of [['node', nodeCli], ['deno', denoCli]] as const) {
      const cwd = join(dir, `${who}-slurm`);
      mkdirSync(cwd);
      succeeded(`${who} slurm`, cli(args, cwd));
      const probeJob = readFileSync(join(cwd, 'study', 'slurm', 'probe.sh'), 'utf8');
      expect(probeJob).toContain(who === 'deno' ? '"$node" run -A "$convergent" probe' : '"$node" "$convergent" probe');
      succeeded(`${who}: bash probe.sh`, bash(join(cwd, 'study', 'slurm', 'probe.sh'), cwd, { SLURM_ARRAY_TASK_ID: '1' }));
    }
    expect(readFileSync(join(dir, 'deno-slurm', 'study', 'slurm', 'merge-align-report.sh'), 'utf8')).toContain('"$node" run -A "$convergent" merge');
    expectSameRun(part('deno'), part('node'));
  });

  it('report writes the page and the figures Node writes', () => {
    // One run (Node's) reported by both, each in its own folder under the same name.
    for (const who of ['node-report', 'deno-report']) cpSync(join(dir, 'node', 'run'), join(dir, who, 'run'), { recursive: true });
    const args = ['report', 'run', '--format', 'html', 'png'];
    const byNode = succeeded('node report', nodeCli(args, join(dir, 'node-report')));
    const byDeno = succeeded('deno report', denoCli(args, join(dir, 'deno-report')));
    expect(byDeno.stdout).toBe(byNode.stdout);
    const page = (who: string) => readFileSync(join(dir, who, 'run', 'report.html'), 'utf8');
    expect(reportSections(page('deno-report'))).toContain('section fig1');
    expect(reportContent(page('deno-report'))).toBe(reportContent(page('node-report')));
    const figures = (who: string) => join(dir, who, 'run', 'figures');
    const names = filesUnder(figures('node-report'));
    expect(names.length).toBeGreaterThan(0);
    expect(filesUnder(figures('deno-report'))).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(figures('deno-report'), name)).equals(readFileSync(join(figures('node-report'), name))), name).toBe(true);
    }
  });
});
