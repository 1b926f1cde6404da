// Chance levels (`<column>_chance`, from the null reducer's moments) next to jackknife intervals:
// for two unrelated nets the observed numbers are the chance numbers up to sampling noise, and for
// nets that share units (the planted example) they are far above them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromCSV } from 'arquero';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/run-dir/npy-write.js';
import { seededNormal } from '../../../src/util/random.js';
import { convergent, tempDir } from '../../cli/helpers.js';

function table(run: string, name: string): Record<string, unknown>[] {
  return fromCSV(readFileSync(join(run, 'tables', `${name}.csv`), 'utf8')).objects() as Record<string, unknown>[];
}

/** Every (value, se, chance) of a run's summary and metrics tables: [what, value, se, chance]. */
function scalars(run: string): [string, number, number, number][] {
  const out: [string, number, number, number][] = [];
  for (const row of table(run, 'summary')) {
    for (const column of Object.keys(row)) {
      if (!(`${column}_chance` in row)) continue;
      out.push([`${row.layer} ${column}`, row[column] as number, row[`${column}_se`] as number, row[`${column}_chance`] as number]);
    }
  }
  for (const row of table(run, 'metrics')) out.push([`${row.layer} ${row.metric}`, row.value as number, row.value_se as number, row.value_chance as number]);
  return out;
}

describe('chance levels from the null reducer', () => {
  it('of two unrelated random nets: each observed value lies within its sampling noise of the chance value', () => {
    const dir = tempDir('chance-unrelated');
    const items = 400;
    const args: string[] = [];
    for (const [k, net] of ['netA', 'netB'].entries()) {
      const path = join(dir, net);
      mkdirSync(path, { recursive: true });
      const next = seededNormal(70 + k);
      // Units of a net correlate with each other (a shared factor), never with the other net's.
      const fcUnits = 7 + 2 * k;
      const fc = new Float64Array(items * fcUnits);
      for (let i = 0; i < items; i++) {
        const factor = next();
        for (let u = 0; u < fcUnits; u++) fc[i * fcUnits + u] = 3 + factor * (u % 3) + next();
      }
      writeFileSync(join(path, 'fc.npy'), encodeNpy(fc, [items, fcUnits]));
      const convUnits = 5 - k;
      writeFileSync(join(path, 'conv.npy'), encodeNpy(Float64Array.from({ length: items * convUnits * 6 }, () => next()), [items, convUnits, 2, 3]));
      args.push('--net', `${net}=${path}`);
    }
    const run = join(dir, 'run');
    const r = convergent(['run', ...args, '--out', run, '--blocks', '10', '--reducer', 'null', '--backend', 'wasm', '--method', 'cca', '--method', 'linear-cka', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const all = scalars(run);
    expect(all.length).toBeGreaterThanOrEqual(20);
    // Observed and chance are two estimates of the same number: their difference has about sqrt(2)
    // times the observed value's jackknife standard error; t(0.975, 9) = 2.262.
    for (const [what, value, se, chance] of all) {
      expect(typeof chance, `${what}: chance`).toBe('number');
      expect(Math.abs(value - chance), `${what}: ${value} vs chance ${chance} (se ${se})`).toBeLessThanOrEqual(2.262 * Math.SQRT2 * se);
    }
  });

  it('of nets that share units (the planted example): the matching scores are far above chance', () => {
    const run = join(tempDir('chance-planted'), 'run');
    const r = convergent(['run', '--example', '--out', run, '--blocks', '5', '--reducer', 'null', '--backend', 'wasm', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    for (const row of table(run, 'summary')) {
      for (const column of ['semi_corr', 'semi_corr_ba', 'bipartite_corr']) {
        expect(row[`${column}_lo`] as number, `${row.layer} ${column}`).toBeGreaterThan((row[`${column}_chance`] as number) + 0.3);
      }
    }
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { resampling: Record<string, { chance: { reducer: string; repeated: string[] } }> };
    expect(summary.resampling.fc1.chance).toEqual({ reducer: 'null', repeated: ['semi', 'bipartite'] });
  });
});
