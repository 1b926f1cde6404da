// What differs between two provenances, as resume and merge refusals name it: leaves by path with
// both values, top-level keys ignored on request, and lists of named things by their names too.
import { describe, expect, it } from 'vitest';
import { describeDifferences, provenanceDifferences } from '../../src/probe/provenance-diff.js';
import type { ProbeProvenance } from '../../src/run-dir/layout.js';

const base: ProbeProvenance = {
  tool: { name: 'convergent', version: '0.1.0' },
  nets: [{ name: 'a', source: 'a.onnx', kind: 'onnx', files: [{ path: 'a.onnx', bytes: 10, sha256: 'aa' }] }],
  layers: [
    { name: 'conv', tensors: { a: 'c1' } },
    { name: 'fc', tensors: { a: 'f1' } },
  ],
  reducers: [{ name: 'moments', options: {} }],
  items: { start: 0, end: 10 },
};

describe('provenanceDifferences', () => {
  it('names each differing leaf with both values, and ignores the keys asked', () => {
    const other: ProbeProvenance = { ...base, nets: [{ ...base.nets[0], files: [{ path: 'a.onnx', bytes: 10, sha256: 'bb' }] }], items: { start: 5, end: 10 } };
    const diffs = provenanceDifferences(base, other);
    expect(diffs).toEqual([
      { path: 'nets[0].files[0].sha256', a: 'aa', b: 'bb' },
      { path: 'items.start', a: 0, b: 5 },
    ]);
    expect(provenanceDifferences(base, other, ['items']).map((d) => d.path)).toEqual(['nets[0].files[0].sha256']);
    expect(describeDifferences(diffs.slice(0, 1), 'the run', 'this command')).toBe('nets[0].files[0].sha256: "aa" (the run) vs "bb" (this command)');
  });

  it('says which layers or reducers a list holds when the counts differ, and marks absent values', () => {
    const fewer: ProbeProvenance = { ...base, layers: [base.layers[1]], batch: { items: 4 } };
    const diffs = provenanceDifferences(base, fewer);
    expect(diffs).toEqual([
      { path: 'layers.length', a: 2, b: 1 },
      { path: 'layers[].name', a: ['conv', 'fc'], b: ['fc'] },
      { path: 'batch', a: undefined, b: { items: 4 } },
    ]);
    expect(describeDifferences(diffs, 'A', 'B')).toContain('layers[].name: ["conv","fc"] (A) vs ["fc"] (B); batch: (absent) (A) vs {"items":4} (B)');
  });
});
