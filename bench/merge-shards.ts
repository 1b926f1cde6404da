// Shards and merge (issue 12), measured through the real command line (dist/cli/main.js) in child
// processes, each with ./max-rss-preload.js preloaded so that its peak resident set is its own:
//
// - merge: one dense activation-file layer of 4 nets, probed as N parts (`probe --shard K/N`,
//   N = 2, 4, 8), then `merge` of the N parts: its wall time and peak RSS against the D x D
//   float64 state (8 D^2 bytes), which the merge should hold at most twice (total + next part).
// - shards: the same kind of layer probed by 1 process with 2 threads, and by 2 shard processes
//   (`--shard 0/2` and `1/2`, 1 thread each) running at the same time: items (rows) per second
//   over the whole wall time, the merge not included (it is measured above).
//
// The activation files are written by writeLayer (./probe-memory-state.ts) in a temp folder and
// removed after. Backend: wasm, checkpoints off, so nothing but the probe and the merge is timed.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeLayer } from './probe-memory-state.js';
import { MAX_RSS_MARK, type RunPart } from './types.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PRELOAD = pathToFileURL(fileURLToPath(new URL('./max-rss-preload.js', import.meta.url))).href;
const NETS = 4;
const MiB = 2 ** 20;

/** Merge bench: units per net, samples of the layer, part counts. */
export const MERGE_UNITS = 4096;
export const MERGE_SAMPLES = 256;
export const MERGE_PART_COUNTS = [2, 4, 8];
/** Shard throughput bench: units per net, samples (rows), rows per batch (parts are whole batches). */
export const SHARD_UNITS = 1024;
export const SHARD_SAMPLES = 4000;
export const SHARD_BATCH = 500;

export interface CliRun {
  seconds: number;
  maxRssMiB: number;
}

/** Runs `convergent ARGS` in a child process; its wall time and peak RSS. */
export function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const mark = stderr.split('\n').find((l) => l.startsWith(MAX_RSS_MARK));
      if (code !== 0 || !mark) return reject(new Error(`convergent ${args[0]} exited ${code}: ${stderr.split('\n').filter((l) => l && !l.startsWith(MAX_RSS_MARK)).slice(-3).join(' | ')}`));
      // maxRSS is in kibibytes.
      resolve({ seconds, maxRssMiB: Number(mark.slice(MAX_RSS_MARK.length)) / 1024 });
    });
  });
}

/** NETS nets of `units` units, one layer `fc` of `samples` rows each; their --net flags. */
async function writeNets(dir: string, units: number, samples: number): Promise<string[]> {
  const flags: string[] = [];
  for (let k = 0; k < NETS; k++) {
    const path = join(dir, `net${k}`);
    await mkdir(path);
    await writeLayer(join(path, 'fc.npy'), samples, units, 2000 + k);
    flags.push('--net', `net${k}=${path}`);
  }
  return flags;
}

const probeArgs = (nets: string[], out: string, extra: string[]) => ['probe', ...nets, '--out', out, '--backend', 'wasm', '--checkpoint-every', '0', ...extra];

export interface MergeRow {
  units: number;
  d: number;
  samples: number;
  parts: number;
  stateMiB: number;
  mergeSeconds: number;
  mergePeakRssMiB: number;
}

/** `merge` of N parts of one 4-net layer, for each N of MERGE_PART_COUNTS. */
export async function benchMerge(units = MERGE_UNITS, samples = MERGE_SAMPLES, counts = MERGE_PART_COUNTS): Promise<MergeRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-merge-'));
  try {
    const nets = await writeNets(dir, units, samples);
    const d = NETS * units;
    const rows: MergeRow[] = [];
    for (const count of counts) {
      const parts = Array.from({ length: count }, (_, k) => join(dir, `n${count}-part${k}`));
      // Parts are whole batches of the single probe: a batch small enough for the most parts, the same for every N.
      const batch = String(Math.floor(samples / Math.max(...counts)));
      for (const [k, part] of parts.entries()) await runCli(probeArgs(nets, part, ['--shard', `${k}/${count}`, '--batch', batch]));
      const run = await runCli(['merge', ...parts, '--out', join(dir, `n${count}-run`), '--no-patches']);
      rows.push({ units, d, samples, parts: count, stateMiB: (8 * d * d) / MiB, mergeSeconds: run.seconds, mergePeakRssMiB: run.maxRssMiB });
      // Parts of 2 GiB each: free the disk before the next count.
      for (const path of [...parts, join(dir, `n${count}-run`)]) await rm(path, { recursive: true, force: true });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ShardThroughput {
  units: number;
  d: number;
  samples: number;
  batch: number;
  /** 1 process, --threads 2. */
  oneProcess: CliRun & { itemsPerSecond: number };
  /** 2 processes at once, --shard K/2 --threads 1 each; seconds until both are done, the larger peak. */
  twoShards: CliRun & { itemsPerSecond: number };
}

/** 2 shard processes of 1 thread against 1 process of 2 threads, same data, one after the other. */
export async function benchShardThroughput(units = SHARD_UNITS, samples = SHARD_SAMPLES, batch = SHARD_BATCH): Promise<ShardThroughput> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-shards-'));
  try {
    const nets = await writeNets(dir, units, samples);
    const one = await runCli(probeArgs(nets, join(dir, 'whole'), ['--threads', '2', '--batch', String(batch)]));
    const started = performance.now();
    const shards = await Promise.all([0, 1].map((k) => runCli(probeArgs(nets, join(dir, `part${k}`), ['--shard', `${k}/2`, '--threads', '1', '--batch', String(batch)]))));
    const seconds = (performance.now() - started) / 1000;
    return {
      units,
      d: NETS * units,
      samples,
      batch,
      oneProcess: { ...one, itemsPerSecond: samples / one.seconds },
      twoShards: { seconds, maxRssMiB: Math.max(...shards.map((s) => s.maxRssMiB)), itemsPerSecond: samples / seconds },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatMergeTable(rows: MergeRow[]): string {
  return [
    '| nets x units | D | samples | parts | state 8 D^2 (MiB) | merge time (s) | merge peak RSS (MiB) | peak / state |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${NETS} x ${r.units} | ${r.d} | ${r.samples} | ${r.parts} | ${r.stateMiB.toFixed(0)} | ${r.mergeSeconds.toFixed(1)} | ${r.mergePeakRssMiB.toFixed(0)} | ${(r.mergePeakRssMiB / r.stateMiB).toFixed(2)}x |`,
    ),
  ].join('\n');
}

export function formatShardTable(r: ShardThroughput): string {
  const row = (what: string, x: CliRun & { itemsPerSecond: number }) => `| ${what} | ${x.seconds.toFixed(1)} | ${x.itemsPerSecond.toFixed(0)} | ${x.maxRssMiB.toFixed(0)} |`;
  return [
    `${NETS} nets x ${r.units} units (D = ${r.d}), ${r.samples} rows in batches of ${r.batch}, wasm backend, checkpoints off; wall time of the whole command(s), start-up and writing included.`,
    '',
    '| how | wall time (s) | items (rows) / s | peak RSS per process (MiB) |',
    '| --- | ---: | ---: | ---: |',
    row('1 process, --threads 2', r.oneProcess),
    row('2 processes at once, --shard 0/2 and 1/2, --threads 1 each', r.twoShards),
    '',
    `2 shard processes / 1 process: ${(r.twoShards.itemsPerSecond / r.oneProcess.itemsPerSecond).toFixed(2)}x the items per second.`,
  ].join('\n');
}

/** `npm run bench -- merge`: both measurements, each in its own child (runPart). */
export function mergeShardsSection(runPart: RunPart): string {
  const merge = runPart<MergeRow[]>('merge-parts');
  const shards = runPart<ShardThroughput>('shard-throughput');
  return [
    `### Merge of N parts (one layer of ${NETS} nets x ${MERGE_UNITS} units, \`probe --shard K/N\` then \`merge\`)`,
    '',
    'error' in merge ? `not measured (${merge.error})` : formatMergeTable(merge),
    '',
    '### Shards against threads (2 shard processes of 1 thread vs 1 process of 2 threads)',
    '',
    'error' in shards ? `not measured (${shards.error})` : formatShardTable(shards),
  ].join('\n');
}
