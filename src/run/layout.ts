// Where everything lives in a run directory. One place, so readers and writers agree.
import { join } from 'node:path';

/** Layer and net names become path components; keep them safe on every file system. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export const runPaths = {
  manifest: (run: string) => join(run, 'probe.json'),
  momentsDir: (run: string, layer: string) => join(run, 'moments', safeName(layer)),
  statsDir: (run: string, layer: string) => join(run, 'stats', safeName(layer)),
  tablesDir: (run: string) => join(run, 'tables'),
  reducerDir: (run: string, reducer: string, layer: string) => join(run, 'reducers', safeName(reducer), safeName(layer)),
  summary: (run: string) => join(run, 'summary.json'),
};

/** What `probe` records about a run, read back by `align`. */
export interface ProbeManifest {
  version: 1;
  created: string;
  command: string;
  backend: string;
  /** accuracy: top-1 on the probe data, when the data has labels and the net classifies (ONNX runs). */
  nets: { name: string; path: string; accuracy?: number }[];
  /** ONNX runs: where the items came from, and every item skipped as unreadable. */
  data?: ProbeDataRecord;
  /** Layers whose moments are complete, in probe order. */
  layers: ProbeLayerRecord[];
  /** Layers chosen but not (yet) complete, e.g. after an error. */
  pending: string[];
  reducers: string[];
}

export interface ProbeLayerRecord {
  name: string;
  samples: number;
  items: number;
  samplesPerItem: number;
  units: Record<string, number>;
  sources: Record<string, string>;
  seconds: number;
}

export interface ProbeDataRecord {
  /** 'mnist (held-out 8000:10000)', a directory, or an .npy file. */
  source: string;
  items: number;
  itemShape: number[];
  skipped: { index: number; path: string; reason: string }[];
  /** Per layer and net, the captured ONNX tensor. */
  tensors: Record<string, Record<string, string>>;
}
