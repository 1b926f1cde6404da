// Shared by the Deno tests: the `deno` devDependency's binary, the built CLI (dist/, from
// `npx tsc -p tsconfig.json`) run under Deno and under Node in the same way, and the comparison
// of what the two wrote. Each command runs with a relative --out in its own folder, so that the
// two runtimes print and record the same paths.
import { spawn as spawnAsync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

export const root = join(import.meta.dirname, '..', '..');
export const denoBinary = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');
export const hasDeno = existsSync(denoBinary);
const cli = join(root, 'dist', 'cli', 'main.js');

/** Says once per test file why its Deno tests are skipped. */
export function warnWithoutDeno(what: string): void {
  if (!hasDeno) console.warn(`${what} skipped: ${denoBinary} is missing (npm install the deno devDependency)`);
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const env = {
  ...process.env,
  DENO_NO_UPDATE_CHECK: '1',
  NO_COLOR: '1',
  // Mesa's llvmpipe, should a command reach WebGPU, needs no display server this way.
  EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless',
};

function spawn(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Result {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 110_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `deno ARGS` in `cwd`. */
export function deno(args: string[], cwd: string): Result {
  return spawn(denoBinary, args, cwd);
}

/** `deno ARGS` in `cwd` without blocking this process (which may be serving what Deno fetches). */
export function denoAsync(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawnAsync(denoBinary, args, { cwd, env: { ...env, ...extraEnv }, timeout: 110_000 });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The checkout's CLI under Deno: `deno run -A dist/cli/main.js ARGS`. */
export function denoCli(args: string[], cwd: string): Result {
  return deno(['run', '-A', cli, ...args], cwd);
}

/** `node ARGS` in `cwd`. */
export function node(args: string[], cwd: string): Result {
  return spawn(process.execPath, args, cwd);
}

/** The checkout's CLI under Node. */
export function nodeCli(args: string[], cwd: string): Result {
  return node([cli, ...args], cwd);
}

/** `bash SCRIPT` in `cwd`, with `extra` in its environment. */
export function bash(script: string, cwd: string, extra: Record<string, string>): Result {
  return spawn('bash', [script], cwd, extra);
}

/** A command's status lines (stderr) without the times and rates of its progress lines. */
export function statusLines(stderr: string): string {
  return stderr.replace(/ in \d+(\.\d+)? s \([^)]*\)/g, ' in T');
}

/** Throws with the command's output unless it exited with 0. */
export function succeeded(what: string, r: Result): Result {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `convergent-deno-${prefix}-`));
}

/** Every file under `dir`, by path within it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Equal within `tolerance` (relative to the larger of 1 and |want|). */
function close(got: number, want: number, tolerance = 1e-12): boolean {
  return got === want || Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want));
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * CSV text equal cell by cell, numbers within 1e-12: Deno's V8 rounds Math.exp, Math.log1p,
 * Math.tanh and Math.atanh differently from Node 20's in the last bit (the Fisher-z intervals
 * show it); everything else agrees exactly.
 */
export function expectSameCsv(got: string, want: string, name: string): void {
  const rows = (text: string) => text.trimEnd().split('\n').map((line) => line.split(','));
  const [g, w] = [rows(got), rows(want)];
  expect(g.length, `${name}: rows`).toBe(w.length);
  w.forEach((row, i) => {
    expect(g[i].length, `${name} row ${i}: cells`).toBe(row.length);
    row.forEach((cell, j) => {
      const other = g[i][j];
      if (NUMBER.test(cell) && NUMBER.test(other)) {
        if (!close(Number(other), Number(cell))) expect.fail(`${name} row ${i} cell ${j}: Deno ${other}, Node ${cell}`);
      } else {
        expect(other, `${name} row ${i} cell ${j}`).toBe(cell);
      }
    });
  });
}

/** JSON values equal, numbers within `tolerance`, keys in `skip` left out. */
export function expectSameJson(got: unknown, want: unknown, where: string, skip: ReadonlySet<string> = new Set(), tolerance = 1e-12): void {
  if (typeof want === 'number' && typeof got === 'number') {
    if (!close(got, want, tolerance)) expect.fail(`${where}: Deno ${got}, Node ${want}`);
    return;
  }
  if (want === null || got === null || typeof want !== 'object' || typeof got !== 'object') {
    expect(got, where).toEqual(want);
    return;
  }
  expect(Array.isArray(got), `${where}: array`).toBe(Array.isArray(want));
  const keys = (o: object) => Object.keys(o).filter((k) => !skip.has(k)).sort();
  expect(keys(got), `${where}: keys`).toEqual(keys(want));
  for (const key of keys(want)) {
    expectSameJson((got as Record<string, unknown>)[key], (want as Record<string, unknown>)[key], `${where}.${key}`, skip, tolerance);
  }
}

/** What differs between any two probes of the same inputs: when, how long, the command line. */
const PROBE_JSON_VARIES = new Set(['created', 'command', 'seconds']);

/** The date-times a report states (when probed, when made): the only text of it that may differ. */
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;
/** How long a layer's probe took, in the report's table of layers. */
const SECONDS = /<td class="num">\d+(\.\d+)? s<\/td>/g;

/** A report's text without the times it states. */
export function reportContent(html: string): string {
  return html.replace(TIMESTAMP, 'TIME').replace(SECONDS, '<td class="num">S s</td>');
}

/** A report's sections (their ids) and headings, in order. */
export function reportSections(html: string): string[] {
  const sections = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => `section ${m[1]}`);
  const headings = [...html.matchAll(/<h2>([^<$]*)<\/h2>/g)].map((m) => m[1]);
  return [...sections, ...headings];
}

/**
 * The run Deno wrote equals Node's: the same files; moments, top-k records and patches byte for
 * byte; tables and JSON within 1e-12; the report the same but for its times and numbers' last bits.
 */
export function expectSameRun(denoRun: string, nodeRun: string): void {
  const files = filesUnder(nodeRun);
  expect(filesUnder(denoRun)).toEqual(files);
  for (const file of files) {
    const [got, want] = [readFileSync(join(denoRun, file)), readFileSync(join(nodeRun, file))];
    if (file.endsWith('.csv')) expectSameCsv(got.toString('utf8'), want.toString('utf8'), file);
    else if (file.endsWith('.json')) {
      const skip = file === 'probe.json' ? PROBE_JSON_VARIES : new Set<string>();
      expectSameJson(JSON.parse(got.toString('utf8')), JSON.parse(want.toString('utf8')), file, skip);
    } else if (file.endsWith('.html')) {
      expect(reportSections(got.toString('utf8')), `${file}: sections`).toEqual(reportSections(want.toString('utf8')));
    } else if (!got.equals(want)) {
      expect.fail(`${file}: Deno wrote other bytes than Node`);
    }
  }
}
