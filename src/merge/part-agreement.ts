// Parts merge only when they are parts of one probe: the same nets (files by sha256), the same data
// (item list or .npy identity, split, limit, preprocessing), the same layers, tensors and units,
// the same reducers with the same options, the same batches (so that each part's batches are the
// single probe's), and the same convergent version. Any difference is refused, naming the two
// parts, what differs and both values (src/probe/provenance-diff.ts).
//
// The version is refused too, not just warned about: another version may decode, preprocess or
// reduce the data differently (a fixed bug, a new default), and the merged moments would then mix
// two definitions while looking like one run. The parts of one job array run one installed version.
import type { ProbeProvenance } from '../run-dir/layout.js';
import { describeDifferences, provenanceDifferences } from '../probe/provenance-diff.js';
import type { Part } from './parts.js';

/** What a difference under each top-level key of the provenance is about. */
const SUBJECT: Record<string, string> = {
  tool: 'the convergent version',
  nets: 'the nets',
  data: 'the data',
  layers: 'the layers or tensors',
  reducers: 'the reducers or their options',
  batch: 'the batches (--batch, --batch-samples)',
};

/** Refuses parts that are not parts of one probe, naming the differences between the first part and the one that differs. */
export function checkPartsAgree(parts: Part[]): void {
  const [first, ...rest] = parts;
  for (const part of rest) {
    const diffs = provenanceDifferences(comparable(first.provenance), comparable(part.provenance), ['items', 'shard']);
    if (diffs.length > 0) {
      const subjects = [...new Set(diffs.map((d) => SUBJECT[d.path.split(/[.[]/)[0]] ?? d.path))].join(' and ');
      throw new Error(`parts ${first.path} and ${part.path} differ in ${subjects}: ${describeDifferences(diffs, first.path, part.path)}; merge only parts of one probe (the same command line with another --shard K/N)`);
    }
    checkLayerShapes(first, part);
  }
}

/**
 * The provenance but whether top-k patches were drawn: merge draws the merged run's patches itself
 * (or not, with --no-patches), so parts may differ there.
 */
function comparable(p: ProbeProvenance): ProbeProvenance {
  const reducers = p.reducers.map((r) => (r.name === 'topk' ? { name: r.name, options: Object.fromEntries(Object.entries(r.options).filter(([key]) => key !== 'patches')) } : r));
  return { ...p, reducers };
}

/** The layers' units and positions per item, which the provenance does not record (the tensors fix them). */
function checkLayerShapes(a: Part, b: Part): void {
  const shape = (part: Part) => part.manifest.layers.map((l) => `${l.name}: ${Object.entries(l.units).map(([net, units]) => `${net} ${units}`).join(', ')} units x ${l.samplesPerItem} positions`);
  const [sa, sb] = [shape(a), shape(b)];
  const at = sa.findIndex((s, i) => s !== sb[i]);
  if (at >= 0 || sa.length !== sb.length) {
    const i = at >= 0 ? at : Math.min(sa.length, sb.length);
    throw new Error(`parts ${a.path} and ${b.path} differ in the layers or their units: ${sa[i] ?? '(no such layer)'} in ${a.path} but ${sb[i] ?? '(no such layer)'} in ${b.path}; merge only parts of one probe`);
  }
}
