// The kernels sit below the statistics and above the platform: the probe's accumulator
// (src/probe/layer-accumulator.ts) uses the moment kernel's contract and its exact merge
// (src/kernels/moments/merge.ts), platform/ starts workers and devices for anyone. Neither is
// imported back, so the folders form no cycle. (The statistics were src/stats/; they now live in
// the stages that use them, probe/ and align/.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** `file -> imported folder` for every relative import or re-export of the files under `folder`. */
function importsOf(folder: string): string[] {
  const edges: string[] = [];
  for (const file of sourceFiles(join(src, folder))) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(file), spec)).split('/')[0];
      edges.push(`${relative(src, file)} -> ${target}`);
    }
  }
  return edges;
}

describe('folder imports', () => {
  it('kernels/ imports nothing from the statistics (probe/, align/)', () => {
    expect(importsOf('kernels').filter((e) => e.endsWith('-> probe') || e.endsWith('-> align'))).toEqual([]);
  });

  it('platform/ imports nothing from kernels/', () => {
    expect(importsOf('platform').filter((e) => e.endsWith('-> kernels'))).toEqual([]);
  });

  it('the probe takes the moment merge from the moments kernel', () => {
    expect(importsOf('probe')).toContain('probe/layer-accumulator.ts -> kernels');
  });
});
