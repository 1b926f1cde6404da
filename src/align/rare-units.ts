// The rare-unit rule: a unit that fires on only a handful of probe images is left out of matching
// and of every method, like a dead unit. Its correlation with another unit rests on those few
// images alone: two units that both fire on the same single image correlate at r = 1, which says
// nothing about shared representations (the demo's best-matched fc1 pair was such a pair), and
// its top-k patches cannot be filled with images it responds to.
//
// The count comes from the top-k reducer of an ONNX probe, which sees every image's per-unit
// maximum over positions (WASM and WebGPU paths alike) and writes, per net,
// RUN/reducers/topk/<layer>/<net>.active.npy: the images on which the unit fires (maximum > 0).
// Runs without those records (probes of activation files, or `--top-k 0`) have no image
// structure to count: the rule does not apply to them, and units.csv leaves active_images empty.
//
// Methods see one mask, `stats.dead`, of the units to leave out: after this rule it holds the dead
// and the rare units. The flags of each kind stay apart (unitFlags) for the tables and the report.
import { existsSync } from '../platform/node-fs.js';
import { readNpy } from '../inputs/npy/npy-read.js';
import { activeImagesPath } from '../run-dir/layout.js';
import { formatShape } from '../util/shape.js';
import type { UnitStats } from './unit-stats.js';

/**
 * Default of `--min-active-images`. The correlation of a unit that fires on m images is decided
 * by those m images: with m = 1, any other unit that peaks on the same image correlates near 1.
 * With m = 20 the Fisher-z standard error of r, 1/sqrt(m - 3), is about 0.25, below the spread
 * between good and poor matches in the paper's Fig. 3; and 20 images fill the report's top-9
 * patches twice over. It is a count, not a fraction of the probe set: what makes r reliable is the
 * number of images it rests on. On the demo (2,000 digits) it flags 22-30 of the 500 fc1 units
 * per net (every unit firing on 1-19 digits; the distribution has no gap to cut at) and about one
 * conv2 unit per net.
 */
export const DEFAULT_MIN_ACTIVE_IMAGES = 20;

/** Unit stats after the rare rule: `dead` is the mask of units left out (dead or rare). */
export interface RareRuleStats extends UnitStats {
  rareRule?: {
    minActiveImages: number;
    /** Per unit, the images on which it fires. */
    activeImages: Int32Array;
    /** Dead by the std rule (constant over the probe set). */
    constant: Uint8Array;
    /** Live by the std rule but firing on fewer than minActiveImages images. */
    rare: Uint8Array;
  };
}

export function checkMinActiveImages(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new Error(`--min-active-images must be a whole number >= 0 (0 turns the rare-unit rule off), got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return n;
}

/**
 * Reads the net's active-image counts of a layer (if the run has them: in `topkDir`, the layer's
 * RUN/reducers/topk/<layer>/) and leaves out, through `stats.dead`, the live units that fire on
 * fewer than `minActiveImages` images.
 */
export async function applyRareUnitRule(stats: UnitStats, where: { topkDir: string; layer: string; net: string }, minActiveImages: number): Promise<RareRuleStats> {
  const path = activeImagesPath(where.topkDir, where.net);
  if (!existsSync(path)) return stats;
  const npy = await readNpy(path);
  const units = stats.dead.length;
  if (npy.shape.length !== 1 || npy.shape[0] !== units) {
    throw new Error(`${path}: active-image counts of shape ${formatShape(npy.shape)} for ${units} units of net ${where.net}, layer ${where.layer} (re-probe the run)`);
  }
  return rareRuleFrom(stats, Int32Array.from(npy.data as ArrayLike<number>), minActiveImages);
}

/** The rare-unit rule on counts in hand (`activeImages`: per unit, the images on which it fires; checked to match by the caller). */
export function rareRuleFrom(stats: UnitStats, activeImages: Int32Array, minActiveImages: number): RareRuleStats {
  const units = stats.dead.length;
  const rare = new Uint8Array(units);
  const dead = new Uint8Array(units);
  for (let u = 0; u < units; u++) {
    rare[u] = !stats.dead[u] && activeImages[u] < minActiveImages ? 1 : 0;
    dead[u] = stats.dead[u] | rare[u];
  }
  return { ...stats, dead, rareRule: { minActiveImages, activeImages, constant: stats.dead, rare } };
}

/** A unit's flags for the tables: dead (constant), rare (left out by the rule), its active images (null without top-k records). */
export function unitFlags(stats: RareRuleStats, u: number): { dead: boolean; rare: boolean; activeImages: number | null } {
  const rule = stats.rareRule;
  if (!rule) return { dead: stats.dead[u] === 1, rare: false, activeImages: null };
  return { dead: rule.constant[u] === 1, rare: rule.rare[u] === 1, activeImages: rule.activeImages[u] };
}

/** Dead and rare units of a net's layer. */
export function countFlags(stats: RareRuleStats): { dead: number; rare: number } {
  const rule = stats.rareRule;
  const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
  return rule ? { dead: sum(rule.constant), rare: sum(rule.rare) } : { dead: sum(stats.dead), rare: 0 };
}

/** Rare units of a net's layer, or null where the rule did not apply (no per-image counts). */
export function rareCount(stats: RareRuleStats): number | null {
  return stats.rareRule ? countFlags(stats).rare : null;
}

/** One log line for a layer's rare units, or undefined when there are none. */
export function rareUnitsMessage(layer: string, images: number, nets: { name: string; stats: RareRuleStats }[]): string | undefined {
  const counts = nets.map((n) => ({ name: n.name, rare: countFlags(n.stats).rare, live: n.stats.dead.length - countFlags(n.stats).dead, min: n.stats.rareRule?.minActiveImages }));
  const min = counts.find((c) => c.min !== undefined)?.min;
  if (counts.every((c) => c.rare === 0) || min === undefined) return undefined;
  const all = counts.filter((c) => c.rare > 0 && c.rare === c.live).map((c) => c.name);
  const warning = all.length ? `; every live unit of ${all.join(', ')} is rare: probe more images or lower --min-active-images` : '';
  return `layer ${layer}: units firing on fewer than ${min} of ${images} images are left out like dead units (--min-active-images): ${counts.map((c) => `${c.name} ${c.rare}`).join(', ')}${warning}`;
}
