// The `null` reducer's numpy fixture (scripts/fixtures/null_pairs.py), shared by its tests.
import { readFileSync } from 'node:fs';

export interface NullFixtureLayer {
  items: number;
  samplesPerItem: number;
  nets: { name: string; units: number }[];
  /** Per net, unit-major: data[u * samples + s], sample s = item * samplesPerItem + position. */
  data: number[][];
  /** Per net and unit: not constant. */
  live: boolean[][];
  real: NullFixtureMoments;
  null: NullFixtureMoments;
}

export interface NullFixtureMoments {
  mean: number[];
  /** Row-major d x d. */
  m2: number[];
  /** Per pair a < b: the mean over a's live units of the best |corr| with b's live units (ab), and b's over a's (ba). */
  headline: { a: number; b: number; ab: number; ba: number }[];
}

/** Datasets by name, then layers by name. */
export const FIXTURE = JSON.parse(readFileSync('test/fixtures/null-pairs.json', 'utf8')) as Record<string, Record<string, NullFixtureLayer>>;
