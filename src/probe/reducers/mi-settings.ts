// The `mi-histograms` reducer's settings (its options, checked), shared by the reducer
// (mi-histograms.ts) and its saved states (mi-snapshot.ts).
import { MAX_BINS } from '../../kernels/joint-histogram/index.js';

export const MI_HISTOGRAMS = 'mi-histograms';

/**
 * How the edges are placed: `default` (a zero bin at the zero threshold, then equal-mass bins of
 * the values above it: mi-histograms.ts) or `li2016` (the paper's released code: mi-li2016.ts).
 */
export const MI_BINNINGS = ['default', 'li2016'] as const;
export type MiBinning = (typeof MI_BINNINGS)[number];

/** How a layer's pairs are counted (src/probe/reducers/mi-tiles.ts): `auto` takes the first of whole, columns, tiles that fits max-memory-mb. */
export const MI_COUNTINGS = ['auto', 'whole', 'columns', 'tiles'] as const;
export type MiCountingOption = (typeof MI_COUNTINGS)[number];

export interface MiHistogramSettings {
  binning: MiBinning;
  counting: MiCountingOption;
  bins: number;
  zeroThreshold: number;
  reservoir: number;
  seed: number;
  maxMemoryMb: number;
}

export function miHistogramSettings(options: Record<string, unknown> | undefined): MiHistogramSettings {
  const o = options ?? {};
  const num = (key: string, fallback: number) => (o[key] === undefined ? fallback : Number(o[key]));
  const s: MiHistogramSettings = {
    binning: (o.binning === undefined ? 'default' : String(o.binning)) as MiBinning,
    counting: (o.counting === undefined ? 'auto' : String(o.counting)) as MiCountingOption,
    bins: num('bins', 10),
    zeroThreshold: num('zero-threshold', 0),
    reservoir: num('reservoir', 65536),
    seed: num('seed', 0),
    maxMemoryMb: num('max-memory-mb', 2048),
  };
  if (!MI_COUNTINGS.includes(s.counting)) throw new Error(`${MI_HISTOGRAMS}: counting must be one of ${MI_COUNTINGS.join(', ')}, got ${String(o.counting)}`);
  if (!MI_BINNINGS.includes(s.binning)) throw new Error(`${MI_HISTOGRAMS}: binning must be one of ${MI_BINNINGS.join(', ')}, got ${String(o.binning)}`);
  if (s.binning === 'li2016' && s.zeroThreshold !== 0) {
    throw new Error(`${MI_HISTOGRAMS}: binning li2016 takes the paper's zero test (values below 1e-6) and no zero-threshold; leave out zero-threshold (got ${o['zero-threshold']})`);
  }
  if (!Number.isInteger(s.bins) || s.bins < 2 || s.bins > MAX_BINS) throw new Error(`${MI_HISTOGRAMS}: bins must be an integer from 2 to ${MAX_BINS} (a zero bin and at least one more), got ${o.bins}`);
  if (!Number.isFinite(s.zeroThreshold)) {
    throw new Error(`${MI_HISTOGRAMS}: zero-threshold must be a finite number (a very negative one, e.g. -1e30, leaves the zero bin empty), got ${o['zero-threshold']}`);
  }
  if (!Number.isInteger(s.reservoir) || s.reservoir < 1) throw new Error(`${MI_HISTOGRAMS}: reservoir must be a positive integer, got ${o.reservoir}`);
  if (!Number.isInteger(s.seed)) throw new Error(`${MI_HISTOGRAMS}: seed must be an integer, got ${o.seed}`);
  if (!(s.maxMemoryMb > 0)) throw new Error(`${MI_HISTOGRAMS}: max-memory-mb must be positive, got ${o['max-memory-mb']}`);
  return s;
}

/** Every between-net pair of net indices [a, b], a < b (the joint histograms kept). */
export function layerPairs(count: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) pairs.push([a, b]);
  return pairs;
}

