// probe.json of a merged run: what a single probe over the parts' items would record. Nets with
// their accuracy over all parts (correct / judged summed), the data with the skipped images of
// every part in item order, the provenance of the parts with the items they cover together (and
// no shard), and `merged`: the parts, the items covered and whether that is every item.
import type { ItemRange, ProbeDataRecord, ProbeLayerRecord, ProbeManifest } from '../run-dir/layout.js';
import type { MergeCoverage } from './coverage.js';
import type { Part } from './parts.js';
import { joinBackends } from '../run-dir/backend-record.js';

export function mergedManifest(plan: MergeCoverage, options: { command?: string; patches: boolean; log: (m: string) => void }): ProbeManifest {
  const { parts } = plan;
  const first = parts[0];
  const provenance = {
    ...first.provenance,
    reducers: first.provenance.reducers.map((r) => (r.name === 'topk' ? { ...r, options: { ...r.options, patches: options.patches } } : r)),
    items: span(plan.coverage),
  };
  delete provenance.shard;
  const data = mergedData(parts);
  return {
    version: 1,
    created: new Date().toISOString(),
    command: options.command ?? '',
    backend: joinBackends(parts.map((p) => p.manifest.backend)),
    nets: mergedNets(parts, data?.judged, options.log),
    ...(data ? { data } : {}),
    layers: [],
    pending: [],
    reducers: first.manifest.reducers,
    provenance,
    merged: { parts: parts.map((p) => ({ path: p.path, items: p.items })), coverage: plan.coverage, complete: plan.complete },
  };
}

/** The smallest range holding every covered item (merged.coverage says which, when there are gaps). */
function span(coverage: ItemRange[]): ItemRange {
  if (coverage.length === 0) return { start: 0, end: 0 };
  return { start: coverage[0].start, end: coverage[coverage.length - 1].end };
}

/** Items the part's nets were judged on: recorded, or (runs before the record) the items read. */
function judgedOf(part: Part): number | undefined {
  const data = part.manifest.data;
  if (!data) return undefined;
  return data.judged ?? part.items.end - part.items.start - data.skipped.length;
}

function mergedData(parts: Part[]): ProbeDataRecord | undefined {
  const first = parts[0].manifest.data;
  if (!first) return undefined;
  const judged = parts.map(judgedOf);
  return {
    ...first,
    items: parts.reduce((sum, p) => sum + (p.items.end - p.items.start), 0),
    skipped: parts.flatMap((p) => p.manifest.data?.skipped ?? []),
    ...(judged.every((j) => j !== undefined) ? { judged: judged.reduce((a, b) => a! + b!, 0) } : {}),
  };
}

/** Each net with its accuracy over every part: the correct items summed over the items judged, when every part counted them. */
function mergedNets(parts: Part[], judged: number | undefined, log: (m: string) => void): ProbeManifest['nets'] {
  return parts[0].manifest.nets.map((net, k) => {
    const counts = parts.map((part) => {
      const n = part.manifest.nets[k];
      if (n.correct !== undefined) return n.correct;
      const j = judgedOf(part);
      return n.accuracy !== undefined && j !== undefined ? Math.round(n.accuracy * j) : undefined;
    });
    const { name, path } = net;
    if (counts.every((c) => c === undefined) || judged === undefined || judged === 0) return { name, path };
    if (counts.some((c) => c === undefined)) {
      log(`net ${name}: not every part records its accuracy, so the merged run has none for it`);
      return { name, path };
    }
    const correct = counts.reduce((a, b) => a! + b!, 0)!;
    return { name, path, accuracy: correct / judged, correct };
  });
}

/** A merged layer's record: samples and items summed over the parts; its own range when the parts leave gaps. */
export function mergedLayerRecord(records: ProbeLayerRecord[], complete: boolean): ProbeLayerRecord {
  const { itemRange, ...first } = records[0];
  const record: ProbeLayerRecord = {
    ...first,
    samples: records.reduce((sum, r) => sum + r.samples, 0),
    items: records.reduce((sum, r) => sum + r.items, 0),
    seconds: records.reduce((sum, r) => sum + r.seconds, 0),
  };
  const last = records[records.length - 1];
  if (!complete && itemRange && last.itemRange) record.itemRange = { start: itemRange.start, end: last.itemRange.end };
  return record;
}
