// How the tables methods return are put together (src/tables/combine.ts): same columns stack,
// other tables of the same name join on their shared columns; layers stack.
import { table } from 'arquero';
import type { ColumnTable } from 'arquero';
import { describe, expect, it } from 'vitest';
import { joinOnShared, mergeMethodTables, TableCollector } from '../../src/tables/combine.js';

describe('mergeMethodTables', () => {
  it('joins semi and bipartite into one matches table on the columns they share', () => {
    const layer = new Map<string, ColumnTable>();
    mergeMethodTables(layer, { matches: table({ unit: [0, 1], semi_partner: [1, 1] }) });
    mergeMethodTables(layer, { matches: table({ unit: [0, 1], bipartite_partner: [1, 0] }) });
    expect(layer.get('matches')!.objects()).toEqual([
      { unit: 0, semi_partner: 1, bipartite_partner: 1 },
      { unit: 1, semi_partner: 1, bipartite_partner: 0 },
    ]);
  });

  it('stacks long tables with the same columns, in any column order', () => {
    const layer = new Map<string, ColumnTable>();
    mergeMethodTables(layer, { metrics: table({ metric: ['cka'], value: [0.5] }) });
    mergeMethodTables(layer, { metrics: table({ value: [0.25], metric: ['cca'] }) });
    mergeMethodTables(layer, undefined);
    expect(layer.get('metrics')!.objects()).toEqual([{ metric: 'cka', value: 0.5 }, { metric: 'cca', value: 0.25 }]);
  });

  it('keeps unmatched left rows in a join (after the matched ones), and refuses tables with nothing in common', () => {
    const joined = joinOnShared(table({ unit: [0, 1, 2] }), table({ unit: [2, 0], r: [0.5, 0.25] }));
    expect(joined.objects()).toEqual([{ unit: 0, r: 0.25 }, { unit: 2, r: 0.5 }, { unit: 1, r: undefined }]);
    expect(() => joinOnShared(table({ a: [1] }), table({ b: [1] }))).toThrow('cannot join tables with no column in common (a / b)');
  });
});

describe('TableCollector', () => {
  it('stacks the tables of each name across layers, in the order the layers came', () => {
    const collector = new TableCollector();
    collector.addLayer(new Map([['matches', table({ layer: ['conv1'], r: [0.5] })]]));
    collector.addLayer(new Map([['matches', table({ layer: ['fc1'], r: [0.75] })], ['summary', table({ layer: ['fc1'] })]]));
    expect(collector.get('matches')!.objects()).toEqual([{ layer: 'conv1', r: 0.5 }, { layer: 'fc1', r: 0.75 }]);
    expect(collector.entries().map(([name, t]) => [name, t.numRows()])).toEqual([['matches', 2], ['summary', 1]]);
    expect(collector.get('absent')).toBeUndefined();
  });
});
