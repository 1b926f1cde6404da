// What `convergent info RUN` shows: the run's provenance, layers, reducers, backend, command and
// whether an align is present. Read-only: it takes no lock and writes nothing, so it can look at a
// run while a probe or align holds the lock (and says so).
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_ENTRIES, runPaths, type ProbeManifest, type ProbeProvenance } from './layout.js';
import { readManifest } from './manifest.js';

export interface RunInfo {
  run: string;
  created: string;
  command: string;
  backend: string;
  nets: ProbeManifest['nets'];
  layers: { name: string; samples: number; items: number; units: Record<string, number> }[];
  /** Layers chosen but not complete (an interrupted or failed probe). */
  pending: string[];
  reducers: string[];
  /** Whether an align has written its summary. */
  aligned: boolean;
  /** Whether a command holds the run's lock right now (its probe or align may still change it). */
  locked: boolean;
  /** Absent for runs probed before provenance was recorded. */
  provenance?: ProbeProvenance;
  /** A merge of parts (`convergent merge`): the parts, the items covered. */
  merged?: ProbeManifest['merged'];
  /** Reducer passes a sharded probe still owes (`probe --next-pass RUN`). */
  pendingPasses?: ProbeManifest['pendingPasses'];
  /** A probe stopped with a checkpoint that `--resume` continues from. */
  checkpoint: boolean;
}

/** Reads RUN/probe.json; a path that is not a run directory is refused, saying why. */
export async function readRunInfo(run: string): Promise<RunInfo> {
  const info = await stat(run).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${run}: ${e.code === 'ENOENT' ? 'no such directory' : `cannot be read (${e.code ?? e.message})`}`);
  });
  if (!info.isDirectory()) throw new Error(`${run} is not a run directory: it is a file`);
  const path = runPaths.manifest(run);
  if (!existsSync(path)) throw new Error(`${run} is not a run directory: it has no probe.json (make one with \`convergent probe\` or \`convergent run\`)`);
  const manifest = await readManifest(run);
  return {
    run,
    created: manifest.created,
    command: manifest.command,
    backend: manifest.backend,
    nets: manifest.nets,
    layers: manifest.layers.map((l) => ({ name: l.name, samples: l.samples, items: l.items, units: l.units })),
    pending: manifest.pending,
    reducers: manifest.reducers,
    aligned: existsSync(runPaths.summary(run)),
    locked: existsSync(runPaths.lock(run)),
    ...(manifest.provenance ? { provenance: manifest.provenance } : {}),
    ...(manifest.merged ? { merged: manifest.merged } : {}),
    ...(manifest.pendingPasses?.length ? { pendingPasses: manifest.pendingPasses } : {}),
    checkpoint: CHECKPOINT_ENTRIES.some((entry) => existsSync(join(run, entry))),
  };
}

/** The run as text: one fact a line, grouped; hashes in full so they can be compared. */
export function formatRunInfo(info: RunInfo): string {
  const lines = [`run       ${info.run}`, `created   ${info.created}`, `command   ${info.command || '(not recorded)'}`, `backend   ${info.backend}`];
  const p = info.provenance;
  lines.push(`tool      ${p ? `${p.tool.name} ${p.tool.version}` : '(not recorded)'}`);
  lines.push(`aligned   ${info.aligned ? 'yes (summary.json present)' : 'no'}`);
  if (info.locked) lines.push('locked    yes: a probe or align is writing this run (convergent.lock)');
  lines.push('', 'nets');
  for (const net of info.nets) {
    const record = p?.nets.find((n) => n.name === net.name);
    lines.push(`  ${net.name}  ${net.path}${record ? `  (${record.kind})` : ''}${net.accuracy !== undefined ? `  accuracy ${net.accuracy.toFixed(4)}` : ''}`);
    for (const file of record?.files ?? []) lines.push(`    sha256 ${file.sha256}  ${file.bytes} bytes  ${file.path}`);
  }
  if (p?.data) lines.push('', ...dataLines(p.data));
  lines.push('', 'layers');
  for (const layer of info.layers) {
    const units = Object.entries(layer.units).map(([net, d]) => `${net} ${d}`).join(', ');
    lines.push(`  ${layer.name}  ${layer.samples} samples (${layer.items} items)  units: ${units}`);
    const tensors = p?.layers.find((l) => l.name === layer.name)?.tensors;
    if (tensors) lines.push(`    ${Object.entries(tensors).map(([net, t]) => `${net}: ${t}`).join('; ')}`);
  }
  if (info.pending.length > 0) lines.push(`  not complete: ${info.pending.join(', ')}`);
  lines.push('', 'reducers');
  for (const name of info.reducers) {
    const options = p?.reducers.find((r) => r.name === name)?.options;
    lines.push(`  ${name}${options && Object.keys(options).length > 0 ? `  ${JSON.stringify(options)}` : ''}`);
  }
  lines.push('', p ? `items     ${p.items.start} .. ${p.items.end} (end excluded)` : 'provenance not recorded: this run was probed before convergent recorded it');
  if (p?.shard) lines.push(`shard     part ${p.shard.index} of ${p.shard.count} (0-based) of a probe over ${p.shard.items} items`);
  if (p?.batch) lines.push(`batch     ${p.batch.items !== undefined ? `${p.batch.items} items` : `${p.batch.samples} samples`}`);
  if (info.merged) {
    const covered = info.merged.coverage.map((r) => `${r.start} .. ${r.end}`).join(', ');
    lines.push(`merged    ${info.merged.parts.length} parts, items ${covered}${info.merged.complete ? '' : ' (partial: --allow-partial)'}`);
    for (const part of info.merged.parts) lines.push(`  ${part.path}  items ${part.items.start} .. ${part.items.end}`);
  }
  for (const pending of info.pendingPasses ?? []) lines.push(`pending   reducer ${pending.reducer} pass ${pending.pass}: every part runs \`probe ... --next-pass ${info.run}\`, then merge`);
  if (info.checkpoint) lines.push(`checkpoint  yes: the probe stopped; the same command with --resume continues it`);
  return `${lines.join('\n')}\n`;
}

function dataLines(data: NonNullable<ProbeProvenance['data']>): string[] {
  const lines = ['data', `  source  ${data.source}${data.split !== undefined ? `  split ${data.split}` : ''}${data.limit !== undefined ? `  limit ${data.limit}` : ''}`];
  lines.push(`  item shape  ${data.itemShape.join(' x ')}`);
  if (data.preprocess) lines.push(`  preprocess  ${JSON.stringify(data.preprocess)}`);
  if (data.file) lines.push(`  sha256 ${data.file.sha256}  ${data.file.bytes} bytes  ${data.file.path}`);
  if (data.itemList) {
    const bytes = data.itemList.reduce((sum, item) => sum + item.bytes, 0);
    lines.push(`  ${data.itemList.length} image files, ${bytes} bytes (listed in probe.json; \`--format json\` prints them)`);
  }
  return lines;
}
