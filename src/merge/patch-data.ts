// The probe's images, reopened for drawing the merged top-k patches: as the probe opened them
// (provenance.data: source, split, item shape, resolved preprocessing), and checked to be the same
// data (the .npy file's sha256, or every image's path and size) by recording their provenance
// again and comparing it with the parts'. Data that cannot be opened or has changed is refused,
// naming the path, with --no-patches as the way to merge without drawing.
import { openImageSource, type ImageSource } from '../inputs/data/source.js';
import { checkItemShape } from '../inputs/data/preprocess.js';
import { dataProvenance } from '../probe/provenance.js';
import type { ProbeProvenance, ProvenanceData } from '../run-dir/layout.js';
import { describeDifferences, provenanceDifferences } from '../probe/provenance-diff.js';

/** What the data is reopened for, in the refusals' words (the report's deconvnet views reopen it too, src/views/). */
export interface PatchDataPurpose {
  /** "draw the merged top-k patches" */
  what: string;
  /** Whose record the data is checked against: "the parts" */
  whose: string;
  /** What to do instead. */
  advice: string;
}

const MERGE_PURPOSE: PatchDataPurpose = {
  what: 'draw the merged top-k patches',
  whose: 'the parts',
  advice: 'run merge where the parts\' data can be read at the same path, or pass --no-patches to merge without drawing the top-k patches',
};

/** The data of `provenance` (a part's: they agree), opened and checked. */
export async function openPatchData(provenance: ProbeProvenance & { data: ProvenanceData }, purpose = MERGE_PURPOSE): Promise<ImageSource> {
  const { data } = provenance;
  const { advice } = purpose;
  let source: ImageSource;
  try {
    source = await openImageSource(data.source, { itemShape: checkItemShape(data.itemShape), preprocess: data.preprocess, split: data.split, onBadImage: 'fail' });
  } catch (e) {
    throw new Error(`cannot open the probe's data ${data.source} to ${purpose.what} (${(e as Error).message}); ${advice}`);
  }
  try {
    const items = data.itemList?.length ?? Math.min(source.count, data.limit ?? Infinity);
    const spec = { data: data.source, split: data.split, preprocess: data.preprocess };
    let now: ProvenanceData;
    try {
      now = await dataProvenance(source, items, data.source, spec, data.limit);
    } catch (e) {
      throw new Error(`cannot check the probe's data ${data.source} against the record of ${purpose.whose} (${(e as Error).message}); ${advice}`);
    }
    const diffs = provenanceDifferences(provenance, { ...provenance, data: now }, ['tool', 'nets', 'layers', 'reducers', 'items', 'shard']);
    if (diffs.length > 0) throw new Error(`the data at ${data.source} is not what ${purpose.whose} probed: ${describeDifferences(diffs, 'probed', 'now')}; ${advice}`);
    return source;
  } catch (e) {
    await source.close();
    throw e;
  }
}
