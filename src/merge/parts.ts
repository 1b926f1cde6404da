// The parts a merge combines, read and checked one by one: each must be a finished run directory
// (probe.json with no pending layer, no lock held, not just a checkpoint) that records what fixed
// its moments (`provenance`, with the item range it covers). Whether the parts agree with each
// other is part-agreement.ts; how their ranges fit together is coverage.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../run-dir/manifest.js';
import { readOwner } from '../run-dir/lock.js';
import { runPaths, type ItemRange, type ProbeLayerRecord, type ProbeManifest, type ProbeProvenance } from '../run-dir/layout.js';

/** A part of a sharded probe (or any run that records its item range), as merge reads it. */
export interface Part {
  /** The run directory, as given. */
  path: string;
  manifest: ProbeManifest;
  provenance: ProbeProvenance;
  /** The items it covers (provenance.items). */
  items: ItemRange;
}

/** Where a probe keeps its checkpoint (`probe --checkpoint-every`). */
const CHECKPOINT = '.checkpoint';

/** Reads every part, in the order given; the first one that is not a finished part is refused, named. */
export async function readParts(paths: string[]): Promise<Part[]> {
  if (paths.length === 0) throw new Error('name the parts to merge: convergent merge PART... --out RUN');
  const parts: Part[] = [];
  for (const path of paths) parts.push(await readPart(path));
  return parts;
}

export async function readPart(path: string): Promise<Part> {
  const owner = readOwner(runPaths.lock(path));
  if (owner) {
    throw new Error(
      `part ${path} is still being written: its lock ${runPaths.lock(path)} is held by pid ${owner.pid} on ${owner.host} since ${owner.started} (${owner.command || 'unknown command'}); ` +
        'wait for that probe to finish (if the process is gone, resume the part with `convergent probe ... --resume`, which takes the lock over)',
    );
  }
  if (!existsSync(runPaths.manifest(path)) && existsSync(join(path, CHECKPOINT))) {
    throw new Error(`part ${path} holds only a checkpoint (${join(path, CHECKPOINT)}), not a finished probe; finish it with the same \`convergent probe ...\` line plus --resume`);
  }
  const manifest = await readManifest(path);
  if (manifest.pending.length > 0) {
    const resume = existsSync(join(path, CHECKPOINT)) ? 'finish it with the same `convergent probe ...` line plus --resume' : 'probe it again';
    throw new Error(`part ${path} is not finished: layer${manifest.pending.length > 1 ? 's' : ''} ${manifest.pending.join(', ')} still pending (stopped or still running); ${resume}`);
  }
  if ((manifest.pendingPasses ?? []).length > 0) {
    const passes = manifest.pendingPasses!.map((p) => `${p.reducer} pass ${p.pass}`).join(', ');
    throw new Error(`part ${path} is a merged run still waiting for reducer passes (${passes}); complete it first (probe --next-pass, then merge)`);
  }
  const provenance = manifest.provenance;
  if (!provenance) {
    throw new Error(`${path} records no provenance (probed by a convergent version before it was recorded): merge cannot check that it agrees with the other parts; probe it again`);
  }
  const items = provenance.items;
  if (!items || !Number.isSafeInteger(items.start) || !Number.isSafeInteger(items.end) || items.start < 0 || items.end < items.start) {
    throw new Error(`${runPaths.manifest(path)}: provenance.items ${JSON.stringify(items)} is not an item range {start, end}; merge needs the range each part covers`);
  }
  return { path, manifest, provenance, items };
}

/** The items a layer of a part covers: its own record's range (activation files split each layer by its rows), or the part's. */
export function layerItems(part: Part, layer: ProbeLayerRecord): ItemRange {
  return layer.itemRange ?? part.items;
}

/** The part's record of a layer (every part has every layer: part-agreement.ts checks it). */
export function layerRecord(part: Part, layer: string): ProbeLayerRecord {
  const record = part.manifest.layers.find((l) => l.name === layer);
  if (!record) throw new Error(`part ${part.path} has no layer ${layer}`);
  return record;
}

/** A layer's nets and their units, in the record's order (the stacked order of its moments). */
export function layerNets(record: ProbeLayerRecord): { name: string; units: number }[] {
  return Object.entries(record.units).map(([name, units]) => ({ name, units }));
}
