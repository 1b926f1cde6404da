// Writing trained nets: the .onnx model and, beside it, a JSON record of how it was trained (the
// options, the cache key, the data, the per-epoch loss and held-out accuracy).
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic, writeJsonAtomic } from '../run-dir/atomic-write.js';
import { dirname } from 'node:path';
import type { TrainData } from './data.js';
import { exportOnnx } from './export.js';
import { describeNet } from './model.js';
import type { TrainedNet } from './train.js';

/**
 * Where seed `seed`'s model goes: `out` as given for a single net; with several nets, `{seed}` in
 * `out` is replaced by the seed, or else "-seed<N>" goes before the extension (model-seed2.onnx).
 */
export function modelPathFor(out: string, seed: number, several: boolean): string {
  if (out.includes('{seed}')) return out.replaceAll('{seed}', String(seed));
  if (!several) return out;
  const m = /^(.*?)(\.onnx)?$/i.exec(out)!;
  return `${m[1]}-seed${seed}${m[2] ?? '.onnx'}`;
}

/** The JSON record's path: model.onnx -> model.train.json. */
export function recordPathFor(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/i, '')}.train.json`;
}

export interface TrainRecord {
  key: string;
  model: string;
  options: TrainedNet['options'];
  backend: string;
  device: string;
  data: { label: string; identity: string; inputShape: number[]; classes: string[]; train: [number, number]; heldOut: [number, number] };
  layers: string[];
  history: TrainedNet['history'];
}

export function trainRecord(net: TrainedNet, data: TrainData, modelPath: string): TrainRecord {
  return {
    key: net.key,
    model: modelPath,
    options: net.options,
    backend: net.backend,
    device: net.device,
    data: { label: data.label, identity: data.identity, inputShape: [...data.inputShape], classes: data.classNames, train: data.train, heldOut: data.heldOut },
    layers: describeNet(net.spec),
    history: net.history,
  };
}

/** Writes the model and its record; returns both paths. */
export async function saveTrainedNet(net: TrainedNet, data: TrainData, modelPath: string): Promise<{ model: string; record: string }> {
  await mkdir(dirname(modelPath), { recursive: true });
  const name = `${net.options.arch}${net.options.width > 1 ? `-w${net.options.width}` : ''}-seed${net.options.seed}`;
  await writeFileAtomic(modelPath, exportOnnx(net.spec, net.params, { name }));
  const record = recordPathFor(modelPath);
  await writeJsonAtomic(record, trainRecord(net, data, modelPath));
  return { model: modelPath, record };
}
