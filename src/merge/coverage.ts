// How the parts' item ranges fit together. Parts may be given in any order: they are sorted by
// range, and must not overlap (the same part given twice is an overlap: its items would count
// twice). A gap is refused unless --allow-partial, which merges what is there and records the
// items covered. Activation files split each layer by its own rows (ProbeLayerRecord.itemRange):
// each layer's ranges are checked the same way.
import { realpathSync } from 'node:fs';
import type { ItemRange } from '../run-dir/layout.js';
import { layerItems, type Part } from './parts.js';

export interface MergeCoverage {
  /** The parts in item order. */
  parts: Part[];
  /** The item ranges covered, joined where parts meet. */
  coverage: ItemRange[];
  /** Whether the coverage is every item of the probe (0 .. total). */
  complete: boolean;
  /** The items of the whole probe: the shards' count, or the largest end of a range. */
  total: number;
}

/** Items [start, end) in words. */
export function itemsText(r: ItemRange): string {
  if (r.end <= r.start) return `no items (at ${r.start})`;
  return r.end - r.start === 1 ? `item ${r.start}` : `items ${r.start} to ${r.end - 1}`;
}

export function planCoverage(given: Part[], allowPartial: boolean): MergeCoverage {
  refuseDuplicates(given);
  const parts = [...given].sort((a, b) => a.items.start - b.items.start || a.items.end - b.items.end);
  const total = probeTotal(parts);
  for (let i = 1; i < parts.length; i++) {
    const [a, b] = [parts[i - 1], parts[i]];
    if (a.items.end > b.items.start) throw new Error(`parts ${a.path} (${itemsText(a.items)}) and ${b.path} (${itemsText(b.items)}) overlap: the shared items would count twice`);
  }
  checkLayerRanges(parts);
  const coverage = joinRanges(parts.map((p) => p.items));
  const complete = coverage.length === 1 && coverage[0].start === 0 && coverage[0].end === total;
  if (!complete && !allowPartial) {
    const gaps = gapsIn(coverage, total).map(itemsText).join(', ');
    throw new Error(
      `the parts leave ${gaps} of the probe's ${total} items uncovered; give the missing parts, or pass --allow-partial to merge these (probe.json then records the items covered)`,
    );
  }
  return { parts, coverage, complete, total };
}

/** The same run directory given twice (under any name). */
function refuseDuplicates(parts: Part[]): void {
  const seen = new Map<string, string>();
  for (const part of parts) {
    const real = realpathSync(part.path);
    const other = seen.get(real);
    if (other !== undefined) {
      throw new Error(`parts ${other} and ${part.path} overlap: they are the same run directory (${itemsText(part.items)}), given twice; its items would count twice`);
    }
    seen.set(real, part.path);
  }
}

/** The probe's item count: the one every shard records (they must agree), else the last range's end. */
function probeTotal(parts: Part[]): number {
  const shards = parts.filter((p) => p.provenance.shard);
  for (const part of shards) {
    const { items } = part.provenance.shard!;
    if (items !== shards[0].provenance.shard!.items) {
      throw new Error(`parts ${shards[0].path} and ${part.path} are shards of probes over different items (${shards[0].provenance.shard!.items} and ${items}); merge only parts of one probe`);
    }
  }
  const total = shards.length > 0 ? shards[0].provenance.shard!.items : Math.max(...parts.map((p) => p.items.end));
  for (const part of parts) {
    if (part.items.end > total) throw new Error(`part ${part.path} covers ${itemsText(part.items)}, beyond the probe's ${total} items`);
  }
  return total;
}

/** Each layer's ranges, in the parts' order: no overlap, and they meet wherever the parts' ranges meet. */
function checkLayerRanges(parts: Part[]): void {
  for (const layer of parts[0].manifest.layers) {
    const ranges = parts.map((p) => layerItems(p, p.manifest.layers.find((l) => l.name === layer.name)!));
    for (let i = 1; i < parts.length; i++) {
      const [a, b] = [ranges[i - 1], ranges[i]];
      const meet = parts[i - 1].items.end === parts[i].items.start;
      if (a.end > b.start || (meet && a.end !== b.start)) {
        throw new Error(`layer ${layer.name}: parts ${parts[i - 1].path} (${itemsText(a)}) and ${parts[i].path} (${itemsText(b)}) ${a.end > b.start ? 'overlap' : 'leave a gap'} in the layer's own items`);
      }
    }
  }
}

/** Sorted ranges joined where they meet; empty ranges dropped. */
export function joinRanges(sorted: ItemRange[]): ItemRange[] {
  const out: ItemRange[] = [];
  for (const r of sorted) {
    if (r.end <= r.start) continue;
    const last = out[out.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

function gapsIn(coverage: ItemRange[], total: number): ItemRange[] {
  const gaps: ItemRange[] = [];
  let at = 0;
  for (const r of coverage) {
    if (r.start > at) gaps.push({ start: at, end: r.start });
    at = r.end;
  }
  if (at < total) gaps.push({ start: at, end: total });
  return gaps;
}
