// The library's face: the pipeline a Node user imports (`convergent/node`, src/node.ts), stage by
// stage, one name per thing, and nothing of the CLI's argument parser; the browser entry
// (`convergent`, src/index.ts) is the platform-neutral part of it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/index.js';
import * as convergent from '../src/node.js';
import * as kernels from '../src/kernels/index.js';

describe('the public API', () => {
  it('exports every stage of the pipeline', () => {
    const stages = {
      backends: ['createBackend', 'acquireGpu'],
      inputs: ['openNetSource', 'openImageSource', 'openProbeData', 'itemShapeFor', 'readNpy', 'writeNpy'],
      forward: ['readOnnxFile', 'decodeOnnx', 'listLayers', 'defaultLayers', 'checkSupported', 'modelInputDims', 'createForwardEngine'],
      probe: ['probe', 'probeOnnx', 'readManifest', 'acquireRunLock', 'withRunLock'],
      align: ['align', 'loadLayerData', 'selectMethods', 'selectReducers', 'reducersForMethods', 'reducerOptionsFor'],
      methods: ['MethodRegistry', 'builtinPlugin', 'metricMethods', 'miHistogramsReducer'],
      plugins: ['PluginRegistry', 'loadPlugin', 'readConfig', 'validatePlugin'],
      tables: ['writeTable', 'tableNameProblem', 'mergeMethodTables', 'joinOnShared', 'TableCollector'],
      report: ['buildReport', 'writeReport'],
      train: ['trainNets', 'trainNet', 'loadTrainData', 'mnistTrainData', 'saveTrainedNet', 'exportOnnx', 'evaluateNet'],
      kernels: ['linearSumAssignment', 'semiMatch', 'semiMatchingReference', 'semiMatchingWasm', 'lassoPath', 'symmetricEigen', 'mergeMomentsInto'],
    };
    const api = convergent as Record<string, unknown>;
    for (const [stage, names] of Object.entries(stages)) {
      for (const name of names) expect(api[name], `${stage}: ${name}`).toBeDefined();
    }
    expect(convergent.DEFAULT_METHODS).toEqual(['semi', 'bipartite']);
    expect(convergent.TABLE_FORMATS).toEqual(['csv', 'json', 'arrow']);
  });

  it('names semi-matching as the methods use it: semiMatch, with its reference and WASM forms named so', () => {
    expect('semiMatching' in convergent).toBe(false);
    expect('semiMatching' in kernels).toBe(false);
    expect(convergent.semiMatch).toBe(kernels.semiMatch);
  });

  it('re-exports every name of the browser entry from the node entry unchanged, and keeps file readers out of the browser entry', () => {
    for (const [name, value] of Object.entries(browser)) expect((convergent as Record<string, unknown>)[name], name).toBe(value);
    for (const name of ['probe', 'align', 'writeReport', 'readOnnxFile', 'readNpy', 'openImageSource', 'loadPlugin', 'writeTable']) expect(name in browser, name).toBe(false);
    for (const name of ['createBackend', 'decodeOnnx', 'createForwardEngine', 'LayerAccumulator', 'makeLayerData', 'builtinPlugin', 'MethodRegistry', 'encodeNpy', 'trainNet']) expect(name in browser, name).toBe(true);
  });

  it("re-exports every kernel of `convergent/kernels` unchanged", () => {
    for (const [name, value] of Object.entries(kernels)) expect((convergent as Record<string, unknown>)[name], name).toBe(value);
  });

  it('never imports yargs: plugins and library types use convergent\'s own command shape', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const importers = files('src').filter((f) => /from\s+['"]yargs['"/]|import\(\s*['"]yargs/.test(readFileSync(f, 'utf8')));
    expect(importers).toEqual([]);
  });
});
