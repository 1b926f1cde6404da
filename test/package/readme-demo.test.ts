// The README's demo output is written by scripts/readme-demo.mjs from a real run, between markers:
// the block is there once, says when and on what it was made, and is the demo's table as the CLI
// formats it (columns aligned by the same formatter, consistent counts). Whether the numbers are
// today's needs the full demo (about 1.5 min): `node scripts/readme-demo.mjs --check`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { currentDemoBlock, demoBlock, demoTable, DEMO_END, DEMO_START, replaceDemoBlock } from '../../scripts/readme-demo.mjs';
import { formatTextTable } from '../../cli/headline.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** A table in formatTextTable's layout back into header and rows: the dash line gives the columns. */
function parseTextTable(lines: string[]): { header: string[]; body: string[][] } {
  const spans = [...lines[1].matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length]);
  const cells = (line: string) => spans.map(([a, b]) => line.slice(a, b).trim());
  return { header: cells(lines[0]), body: lines.slice(2).map(cells) };
}

describe('scripts/readme-demo.mjs', () => {
  const printed = [
    'Report: /tmp/run/report.html',
    '',
    'Convergent learning, 2 LeNets (seeds 1, 2) on 300 held-out MNIST digits:',
    '',
    'layer  units',
    '-----  -----',
    'conv1     20',
    '',
    'accuracy: seed1 90.00%, seed2 91.00%',
    '',
  ].join('\n');

  it('takes the title-to-accuracy part of the output and replaces only the marked block', () => {
    const table = demoTable(printed);
    expect(table.split('\n')[0]).toMatch(/^Convergent learning/);
    expect(table.split('\n').at(-1)).toBe('accuracy: seed1 90.00%, seed2 91.00%');
    const block = demoBlock(table, { date: '2026-01-02', machine: 'a 2-core CPU (Linux, Node 20, no GPU)', seconds: 90, cached: false });
    const before = `intro\n${DEMO_START}\nold\n${DEMO_END}\nafter\n`;
    const after = replaceDemoBlock(before, block);
    expect(after.startsWith(`intro\n${DEMO_START}\n`)).toBe(true);
    expect(after.endsWith(`\n${DEMO_END}\nafter\n`)).toBe(true);
    expect(currentDemoBlock(after)).toBe(block);
    expect(() => demoTable('no table here')).toThrow(/no "Convergent learning/);
    expect(() => replaceDemoBlock('no markers', block)).toThrow(/must hold/);
  });
});

describe('README.md demo output', () => {
  it('is one marked block made by the script', () => {
    expect(readme.split(DEMO_START)).toHaveLength(2);
    expect(readme.split(DEMO_END)).toHaveLength(2);
    const lines = currentDemoBlock(readme).split('\n');
    expect(lines[0]).toMatch(/^Its output on \d{4}-\d{2}-\d{2}, on a \d+-core .+ \(.+, Node \d+, .+\), with (an empty net cache|the nets already cached), in \d+ s:$/);
    expect(lines.slice(1, 3)).toEqual(['', '```']);
    expect(lines.at(-1)).toBe('```');
  });

  it('shows the table as the demo formats it, with consistent counts', () => {
    const table = currentDemoBlock(readme).split('\n').slice(3, -1);
    const title = /^Convergent learning, (\d+) LeNets \(seeds ([\d, ]+)\) on (\d+) held-out MNIST digits:$/.exec(table[0]);
    expect(title, table[0]).not.toBeNull();
    const seeds = title![2].split(', ');
    expect(seeds).toHaveLength(Number(title![1]));
    expect(table[1]).toBe('');
    const end = table.indexOf('', 2);
    const { header, body } = parseTextTable(table.slice(2, end));
    // Same header, and the rows laid out exactly as the CLI's formatter lays them out.
    expect(header).toEqual(['layer', 'units', 'dead units', 'rare units', 'semi r', 'bipartite r', 'same partner', 'pairs']);
    expect(formatTextTable(header, body, 1)).toBe(table.slice(2, end).join('\n'));
    expect(body.map((r) => [r[0], r[1]])).toEqual([['conv1', '20'], ['conv2', '50'], ['fc1', '500']]);
    const pairs = (seeds.length * (seeds.length - 1)) / 2;
    for (const [layer, units, dead, rare, semi, bipartite, same, pairCount] of body) {
      expect(dead.split(' '), `${layer} dead units per net`).toHaveLength(seeds.length);
      for (const d of dead.split(' ')) expect(Number(d)).toBeLessThan(Number(units));
      expect(rare.split(' '), `${layer} rare units per net`).toHaveLength(seeds.length);
      for (const r of rare.split(' ')) expect(Number(r)).toBeLessThan(Number(units));
      expect(Number(semi)).toBeGreaterThan(0);
      expect(Number(semi)).toBeLessThanOrEqual(1);
      expect(Number(semi)).toBeGreaterThanOrEqual(Number(bipartite));
      expect(same).toMatch(/^\d{1,3}%$/);
      expect(Number(pairCount)).toBe(pairs);
    }
    expect(table.slice(end, -1)).toEqual(['']);
    expect(table.at(-1)).toMatch(new RegExp(`^accuracy: ${seeds.map((s) => `seed${s} \\d{1,3}\\.\\d\\d%`).join(', ')}$`));
  });
});
