// Tables are written where users expect them, in the format asked for, under names that cannot
// leave the tables folder (src/tables/write.ts).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrow, table } from 'arquero';
import { describe, expect, it } from 'vitest';
import { TABLE_FORMATS, tableNameProblem, writeTable } from '../../src/tables/write.js';

const matches = () => table({ layer: ['conv1', 'conv1', 'fc1'], unit: [0, 1, 0], partner: [2, 0, 1], r: [0.5, -0.25, 0.875] });

describe('writeTable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-tables-'));

  it('writes CSV with a header row, JSON as one object per row, Arrow IPC that reads back', async () => {
    expect(TABLE_FORMATS).toEqual(['csv', 'json', 'arrow']);
    const csv = await writeTable(matches(), join(dir, 'matches'), 'csv');
    expect(csv).toBe(join(dir, 'matches.csv'));
    expect(readFileSync(csv, 'utf8')).toBe('layer,unit,partner,r\nconv1,0,2,0.5\nconv1,1,0,-0.25\nfc1,0,1,0.875\n');
    const json = await writeTable(matches(), join(dir, 'matches'), 'json');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(matches().objects());
    expect(readFileSync(json, 'utf8').endsWith('\n')).toBe(true);
    const arrow = await writeTable(matches(), join(dir, 'matches'), 'arrow');
    expect(fromArrow(readFileSync(arrow)).objects()).toEqual(matches().objects());
  });

  it('leaves no temporary file behind, and replaces an older table of the same name', async () => {
    await writeTable(table({ x: [1] }), join(dir, 'again'), 'csv');
    await writeTable(table({ x: [2] }), join(dir, 'again'), 'csv');
    expect(readFileSync(join(dir, 'again.csv'), 'utf8')).toBe('x\n2\n');
    expect(readdirSync(dir).sort()).toEqual(['again.csv', 'matches.arrow', 'matches.csv', 'matches.json']);
  });

  it('refuses a name that could reach outside the folder, naming it and the rule', async () => {
    await expect(writeTable(matches(), join(dir, '.hidden'), 'csv')).rejects.toThrow(/table name "\.hidden" may use letters, digits, '\.', '_' and '-' only, and may not start with '\.'/);
    await expect(writeTable(matches(), join(dir, 'a b'), 'json')).rejects.toThrow(/table name "a b"/);
    expect(readdirSync(dir)).not.toContain('.hidden.csv');
  });
});

describe('tableNameProblem', () => {
  it('accepts letters, digits, dots, underscores and dashes, not leading dots, up to 200 characters', () => {
    for (const ok of ['matches', 'metrics_v2', 'mi-bins.12', '_x', '0', 'a'.repeat(200)]) expect(tableNameProblem(ok), ok).toBeUndefined();
    for (const bad of ['', '.', '..', '.x', 'a/b', 'a\\b', 'é', 'a b', 'x\n']) expect(tableNameProblem(bad), JSON.stringify(bad)).toMatch(/letters, digits/);
    expect(tableNameProblem('a'.repeat(201))).toBe('is longer than 200 characters');
  });
});
