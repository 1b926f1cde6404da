// Shared by the resume tests (test/probe/resume.test.ts, test/cli/resume.test.ts): a small
// MNIST-shaped ONNX net, and the comparison of a resumed run with the uninterrupted one, file by
// file, byte for byte: the resumed probe meets the same batches with the same state, so nothing
// may differ, not even in the last bit.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';
import { CHECKPOINT_ENTRIES, runPaths, type ProbeManifest } from '../../src/run-dir/layout.js';
import { seededNormal, seededUniform } from '../../src/util/random.js';
import { openProbeData } from '../../src/probe/probe-data.js';
import { probeOnnx, type ForwardProbeOptions } from '../../src/probe/forward-probe.js';

/** 37 held-out digits: batches of 4 leave a short last one. */
export const MNIST_SPLIT = '8000:8037';

/**
 * conv 1 -> 3 (4x4, stride 3, so a 9x9 map) -> ReLU -> Flatten -> Gemm 7 -> ReLU -> Gemm 10;
 * its layers are `conv1` and `fc1`. Seeded, so two seeds are two different nets.
 */
export function writeMnistNet(path: string, seed: number): void {
  const normal = seededNormal(seed);
  const weights = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * normal());
  const net = new OnnxBuilder(`mnist${seed}`);
  net.input('x', ['N', 1, 28, 28]);
  net.initializer('k1', [3, 1, 4, 4], weights(48, 0.5));
  net.initializer('c1', [3], weights(3, 0.2));
  net.node('Conv', ['x', 'k1', 'c1'], ['conv'], { strides: [3, 3] });
  net.node('Relu', ['conv'], ['relu1']);
  net.node('Flatten', ['relu1'], ['flat'], { axis: 1 });
  net.initializer('k2', [7, 3 * 9 * 9], weights(7 * 243, 0.08));
  net.initializer('c2', [7], weights(7, 0.1));
  net.node('Gemm', ['flat', 'k2', 'c2'], ['hidden'], { transB: 1 });
  net.node('Relu', ['hidden'], ['relu2']);
  net.initializer('k3', [10, 7], weights(70, 0.4));
  net.node('Gemm', ['relu2', 'k3'], ['logits'], { transB: 1 });
  net.output('logits', ['N', 10]);
  writeFileSync(path, encodeOnnx(net.build({ opset: 13 })));
}

/** Every file of a run but probe.json, the lock and the report, by path within the run; the run's own path in summary.json made `RUN`. */
function runFiles(run: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(run, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(run, join(entry.parentPath, entry.name));
    // report.html says when it was made; what it shows comes from the tables, compared here.
    if (path === 'probe.json' || path === 'convergent.lock' || path === 'report.html') continue;
    const bytes = readFileSync(join(run, path));
    files.set(path, path === 'summary.json' ? Buffer.from(bytes.toString('utf8').replaceAll(JSON.stringify(run), '"RUN"')) : bytes);
  }
  return files;
}

/** probe.json without what differs between any two probes (when, how long, the command line). */
function manifestContent(run: string): unknown {
  const m = JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest;
  return { ...m, created: undefined, command: undefined, layers: m.layers.map((l) => ({ ...l, seconds: undefined })) };
}

/**
 * `resumed` is the uninterrupted `whole`: the same files with the same bytes (moments, top-k
 * records and patches, reducer outputs, tables when both were aligned), the same probe.json but
 * for times and command line, and no checkpoint left behind.
 */
export function expectSameRun(whole: string, resumed: string): void {
  for (const entry of CHECKPOINT_ENTRIES) expect(existsSync(join(resumed, entry)), `${entry} left in ${resumed}`).toBe(false);
  const [a, b] = [runFiles(whole), runFiles(resumed)];
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [path, bytes] of a) expect(b.get(path)!.equals(bytes), `${path} differs`).toBe(true);
  expect(manifestContent(resumed)).toEqual(manifestContent(whole));
  expect(existsSync(join(resumed, 'report.html'))).toBe(existsSync(join(whole, 'report.html')));
}

/** `count` distinct points in 1..total, drawn by a seeded generator (not hand-picked), ascending. */
export function seededPoints(total: number, count: number, seed: number): number[] {
  const uniform = seededUniform(seed);
  const points = new Set<number>();
  while (points.size < Math.min(count, total)) points.add(1 + Math.floor(uniform() * total));
  return [...points].sort((a, b) => a - b);
}

export const STOP = 'stopped by the test';

/** A progress callback that throws STOP at its `n`-th call (1-based), and counts the calls. */
export function stopAt(n = Infinity) {
  let calls = 0;
  return {
    count: () => calls,
    onProgress: () => {
      if (++calls === n) throw new Error(STOP);
    },
  };
}

/**
 * A probe of `nets` over the MNIST_SPLIT digits with the options `base()` gives (called per probe,
 * after the test's backend is set up) and `more` per call: the runs the resume tests stop and resume.
 */
export function mnistProbe(nets: { name: string; path: string }[], base: () => Partial<ForwardProbeOptions>) {
  return async (out: string, more: Partial<ForwardProbeOptions> = {}) => {
    const { source, label, spec } = await openProbeData({ data: 'mnist', split: MNIST_SPLIT }, nets);
    try {
      return await probeOnnx({ nets, data: source, dataLabel: label, dataSpec: spec, out, ...base(), ...more } as ForwardProbeOptions);
    } finally {
      await source.close();
    }
  };
}
