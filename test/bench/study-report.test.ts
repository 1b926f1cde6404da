// The study benchmark's pure helpers (bench/study-report.ts, bench/study-config.ts): the
// extrapolation to 50,000 images, the whole-study sums, medians over rounds, the stage table, the
// agreement check and the argument parsing. Timing itself is never tested.
import { describe, expect, it } from 'vitest';
import { parseStudyArgs, STUDY_DEFAULTS } from '../../bench/study-config.js';
import { compareNumbers, extrapolate, formatDuration, formatSeconds, formatStageTable, medianStages, wholeOf, type StageTiming } from '../../bench/study-report.js';

const stage = (name: string, seconds: number | null, scales: boolean, peakMiB: number | null = null, error?: string): StageTiming => ({ stage: name, seconds, scales, peakMiB, ...(error ? { error } : {}) });

describe('extrapolate', () => {
  it('scales a stage that grows with N in proportion and leaves a fixed one', () => {
    expect(extrapolate(3, true, 300)).toBe(500); // 3 s x 50,000 / 300
    expect(extrapolate(3, false, 300)).toBe(3);
    expect(extrapolate(2, true, 7, 21)).toBe(6);
  });
  it('refuses a non-positive image count', () => {
    expect(() => extrapolate(1, true, 0)).toThrow(/images must be positive/);
  });
});

describe('wholeOf', () => {
  const stages = [stage('forward', 6, true, 900), stage('semi conv1', 1, false, 120), stage('mi fc6', null, false, null, 'refused')];
  it('sums the measured stages, skips the unmeasured, and keeps the largest peak', () => {
    expect(wholeOf(stages, 60)).toEqual({ seconds: 7, peakMiB: 900 });
  });
  it('extrapolates each stage by its own rule', () => {
    expect(wholeOf(stages, 60, 600).seconds).toBe(61);
  });
});

describe('medianStages', () => {
  it('takes the median of each stage over rounds, by name, in first-seen order', () => {
    const rounds = [
      [stage('a', 1, true, 10), stage('b', 5, false)],
      [stage('a', 3, true, 30), stage('b', 1, false)],
      [stage('a', 2, true, 20), stage('c', 4, false)],
    ];
    const m = medianStages(rounds);
    expect(m.map((s) => s.stage)).toEqual(['a', 'b', 'c']);
    expect(m[0]).toMatchObject({ seconds: 2, peakMiB: 20 });
    expect(m[1].seconds).toBe(3); // even count: mean of the middle two
    expect(m[2].seconds).toBe(4);
  });
  it('keeps the error of a stage never measured', () => {
    const m = medianStages([[stage('mi fc6', null, false, null, 'refused: 32001 MiB')]]);
    expect(m[0]).toMatchObject({ seconds: null, error: 'refused: 32001 MiB' });
  });
});

describe('formatSeconds', () => {
  it('writes short times in seconds and long ones in minutes or hours', () => {
    expect(formatSeconds(1.234)).toBe('1.23');
    expect(formatSeconds(123.45)).toBe('123.5');
    expect(formatSeconds(1800)).toBe('30 min');
    expect(formatSeconds(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
    expect(formatSeconds(null)).toBe('-');
  });
  it('adds the unit to seconds only (formatDuration)', () => {
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(1620)).toBe('27 min');
  });
});

describe('formatStageTable', () => {
  const ours = [stage('forward', 4, true, 2000), stage('bipartite fc6', 2, false, 500), stage('mi fc6', null, false, null, 'refused | too big'), stage('report', 1, false, 700)];
  const python = [stage('forward', 2, true, 1000), stage('bipartite fc6', 4, false, 300), stage('mi fc6', 10, true, 800), stage('write activations', 1, true)];
  const lines = formatStageTable(ours, python, 100, 1000).split('\n');
  it('has a row per stage of either side, ours first, then the whole', () => {
    expect(lines.map((l) => l.split('|')[1]?.trim()).slice(2)).toEqual(['forward', 'bipartite fc6', 'mi fc6', 'report', 'write activations', '**whole**']);
  });
  it('gives the ratio ours / Python and both sides extrapolated', () => {
    expect(lines[2]).toBe('| forward | yes | 4.00 | 2000 | 2.00 | 1000 | 2.00x | 40.0 | 20.0 |');
    expect(lines[3]).toContain('| 0.50x | 2.00 | 4.00 |');
  });
  it('says why a stage was not run (pipes escaped) and when the sides scale differently', () => {
    expect(lines[4]).toContain('| mi fc6 | ours no, Python yes | not run: refused / too big |');
    expect(lines[5]).toContain('| report | no | 1.00 | 700 | (none) |');
  });
  it('sums the whole at N and extrapolated: ours 7 s -> 4x10 + 2 + 1 = 43; Python 17 s -> 20 + 4 + 100 + 10 = 134', () => {
    expect(lines[7]).toBe('| **whole** | | **7.00** | 2000 | **17.0** | 1000 | **0.41x** | 43.0 | 134.0 |');
  });
});

describe('estimated stages', () => {
  it('marks a stage stopped by the budget with ~ and keeps its estimate in the medians', () => {
    const cut: StageTiming = { ...stage('sparse-prediction fc6', 4000, false), estimated: true, error: 'stopped after 600 s at 15%' };
    const [m] = medianStages([[cut]]);
    expect(m).toMatchObject({ seconds: 4000, estimated: true });
    expect(formatStageTable([m], [], 60).split('\n')[2]).toContain('| ~1 h 07 min |');
  });
});

describe('compareNumbers', () => {
  it('pairs the numbers by layer and metric and checks each against its tolerance', () => {
    const rows = compareNumbers(
      [
        { layer: 'conv1', metric: 'bipartite_corr', value: 0.5 },
        { layer: 'conv1', metric: 'spectral_k', value: 4 },
        { layer: 'fc6', metric: 'mi_bipartite', value: null },
        { layer: 'fc7', metric: 'semi_corr', value: 0.3 },
      ],
      [
        { layer: 'conv1', metric: 'bipartite_corr', value: 0.5 + 2e-6 },
        { layer: 'conv1', metric: 'spectral_k', value: 5 },
        { layer: 'fc6', metric: 'mi_bipartite', value: 0.2 },
      ],
    );
    expect(rows.map((r) => [r.layer, r.metric, r.agrees])).toEqual([
      ['conv1', 'bipartite_corr', true],
      ['conv1', 'spectral_k', false],
      ['fc6', 'mi_bipartite', null],
    ]);
    expect(rows[0].difference).toBeCloseTo(2e-6, 12);
  });
});

describe('parseStudyArgs', () => {
  it('defaults to the paper: 300 images, 4 nets, seven layers, seven methods', () => {
    expect(parseStudyArgs(['study'])).toEqual(STUDY_DEFAULTS);
    expect(STUDY_DEFAULTS.layers).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7']);
    expect(STUDY_DEFAULTS.methods).toHaveLength(7);
  });
  it('reads sizes, layers and methods', () => {
    expect(parseStudyArgs(['study', '--images', '24', '--nets', '2', '--layers', 'conv5,fc6', '--methods', 'semi,mi', '--rounds', '3'])).toMatchObject({ images: 24, nets: 2, layers: ['conv5', 'fc6'], methods: ['semi', 'mi'], rounds: 3 });
  });
  it('refuses unknown layers, methods, flags and bad numbers by name', () => {
    expect(() => parseStudyArgs(['study', '--layers', 'conv9'])).toThrow(/--layers: unknown conv9/);
    expect(() => parseStudyArgs(['study', '--methods', 'cca'])).toThrow(/--methods: unknown cca/);
    expect(() => parseStudyArgs(['study', '--nets', '1'])).toThrow(/--nets needs an integer >= 2, got 1/);
    expect(() => parseStudyArgs(['study', '--images'])).toThrow(/--images needs an integer >= 2, got nothing/);
    expect(() => parseStudyArgs(['study', '--fast', '1'])).toThrow(/unknown option --fast/);
  });
});
