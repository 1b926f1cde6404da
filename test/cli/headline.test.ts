// The terminal tables show rare units only where the rule applied (ONNX runs with per-image
// records), and a rule that did not apply as '-', never as 0.
import { table } from 'arquero';
import { describe, expect, it } from 'vitest';
import { formatHeadline } from '../../cli/headline.js';
import { formatPaperTable } from '../../cli/paper-table.js';

const base = { layer: ['fc1'], net_a: ['a'], net_b: ['b'], units_a: [10], units_b: [10], dead_a: [1], dead_b: [2], semi_corr: [0.5], bipartite_corr: [0.4], same_partner: [0.5] };

describe('terminal tables', () => {
  it('show rare counts when the summary has them', () => {
    const summary = table({ ...base, rare_a: [3], rare_b: [0] });
    const headline = formatHeadline(summary).split('\n');
    expect(headline[0]).toMatch(/dead A\/B  rare A\/B/);
    expect(headline[2]).toMatch(/1\/2\s+3\/0/);
    const paper = formatPaperTable(summary, []).split('\n');
    expect(paper[0]).toMatch(/dead units  rare units/);
    expect(paper[2]).toMatch(/1 2\s+3 0/);
  });

  it('leave the rare column out where the rule did not apply', () => {
    const summary = table({ ...base, rare_a: [null], rare_b: [null] });
    expect(formatHeadline(summary)).not.toMatch(/rare/);
    expect(formatPaperTable(summary, [])).not.toMatch(/rare/);
  });
});
