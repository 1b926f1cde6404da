#!/usr/bin/env node
// Writes the demo's output into README.md, between the readme-demo markers, so that the README
// shows what `npx convergent demo` prints today rather than a hand-copied table that goes stale.
//
//   node scripts/readme-demo.mjs                 run the demo (built CLI, empty net cache: the
//                                                full ~1.5 min of a fresh clone) and update README.md
//   node scripts/readme-demo.mjs --cache DIR     reuse the nets cached in DIR (seconds; the time
//                                                line then says the nets were cached)
//   node scripts/readme-demo.mjs --from FILE --seconds S
//                                                take the output of a demo run saved in FILE
//   node scripts/readme-demo.mjs --check         run the demo and fail if README.md differs
//                                                (the date and time line aside)
//
// Training is deterministic (same seeds, same backend, same bytes), so the table changes only
// when the code does. Needs `npm run build` (or `npx tsc -p tsconfig.json`) first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_START = '<!-- readme-demo: the lines up to the end marker are written by scripts/readme-demo.mjs -->';
export const DEMO_END = '<!-- /readme-demo -->';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The part of the demo's standard output the README shows: the title line to the accuracy line. */
export function demoTable(stdout) {
  const lines = stdout.split('\n');
  const first = lines.findIndex((l) => l.startsWith('Convergent learning'));
  const last = lines.findLastIndex((l) => l.startsWith('accuracy:'));
  if (first < 0 || last < first) throw new Error(`readme-demo: no "Convergent learning ... accuracy:" table in the demo's output:\n${stdout}`);
  return lines.slice(first, last + 1).join('\n');
}

/** The README text between the markers: one line saying when and where, then the output. */
export function demoBlock(table, { date, machine, seconds, cached }) {
  const how = cached ? `with the nets already cached, in ${seconds} s` : `with an empty net cache, in ${seconds} s`;
  return [`Its output on ${date}, on ${machine}, ${how}:`, '', '```', table, '```'].join('\n');
}

/** `readme` with the text between the markers replaced by `block` (each marker must occur once). */
export function replaceDemoBlock(readme, block) {
  const start = readme.indexOf(DEMO_START);
  const end = readme.indexOf(DEMO_END);
  if (start < 0 || end < start || readme.indexOf(DEMO_START, start + 1) >= 0 || readme.indexOf(DEMO_END, end + 1) >= 0) {
    throw new Error(`readme-demo: README.md must hold "${DEMO_START}" once, followed by "${DEMO_END}" once`);
  }
  return `${readme.slice(0, start + DEMO_START.length)}\n${block}\n${readme.slice(end)}`;
}

/** The text between the markers of `readme`. */
export function currentDemoBlock(readme) {
  const start = readme.indexOf(DEMO_START);
  const end = readme.indexOf(DEMO_END);
  if (start < 0 || end < start) throw new Error('readme-demo: README.md has no readme-demo markers');
  return readme.slice(start + DEMO_START.length, end).trim();
}

/** "a 2-core AMD EPYC 7B13 (Debian GNU/Linux 12 (bookworm), Node 20, no GPU)", from this machine and the demo's backend line. */
function describeMachine(stderr) {
  let os = process.platform;
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // not Linux: the platform name will do
  }
  const backend = /convergent: backend (.*)/.exec(stderr)?.[1] ?? '';
  const gpu = /no GPU/.test(backend) ? 'no GPU' : backend ? `backend ${backend}` : 'backend not recorded';
  const cpu = cpus()[0]?.model.trim().replace(/\s+\d+-Core Processor$/, '') ?? 'unknown CPU';
  return `a ${cpus().length}-core ${cpu} (${os}, Node ${process.versions.node.split('.')[0]}, ${gpu})`;
}

function runDemo(cache) {
  const out = mkdtempSync(join(tmpdir(), 'convergent-readme-demo-'));
  const cacheDir = cache ?? join(out, 'cache');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'demo', '--out', join(out, 'run'), '--cache', cacheDir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e9);
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`readme-demo: the demo failed (exit ${r.status}):\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, seconds, cached: cache !== undefined && !/training \d+ LeNets?/.test(r.stderr) };
}

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const from = arg('--from');
  let run;
  if (from) {
    const seconds = Number(arg('--seconds'));
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('readme-demo: --from needs --seconds S, the time the demo took');
    const text = readFileSync(from, 'utf8');
    run = { stdout: text, stderr: text, seconds: Math.round(seconds), cached: /reusing the nets/.test(text) };
  } else {
    run = runDemo(arg('--cache'));
  }
  const table = demoTable(run.stdout);
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  if (argv.includes('--check')) {
    const shown = currentDemoBlock(readme).split('\n').slice(1).join('\n');
    const now = ['', '```', table, '```'].join('\n');
    if (shown !== now) {
      console.error(`readme-demo: README.md shows\n${shown}\n\nbut the demo prints\n${now}\n\nrun: node scripts/readme-demo.mjs`);
      process.exit(1);
    }
    console.log('readme-demo: README.md shows the current demo output');
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  const block = demoBlock(table, { date, machine: describeMachine(run.stderr), seconds: run.seconds, cached: run.cached });
  writeFileSync(readmePath, replaceDemoBlock(readme, block));
  console.log(`readme-demo: README.md updated (${run.seconds} s)\n${block}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
