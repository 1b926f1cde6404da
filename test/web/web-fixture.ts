// Shared by the web tests: two small MNIST nets (test/probe/resume-helpers.ts), the held-out
// digits the CLI's `--data mnist --limit N` reads, and the CLI's `run` on them for comparison.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { loadMnist, parseSplit } from '../../src/inputs/data/mnist.js';
import { join } from 'node:path';
import { writeMnistNet } from '../probe/resume-helpers.js';
import { convergent, tempDir } from '../cli/helpers.js';

/** Items probed: not a multiple of the batch (64) nor of 4. */
export const WEB_ITEMS = 83;
/** Images of the folder test (PNG files): more than a batch, not a multiple of 4. */
export const FOLDER_ITEMS = 71;

/**
 * The first `count` held-out digits as 8-bit grey PNGs in class folders of `dir` (<digit>/digit-0000.png,
 * ...), plus a hidden file the listing leaves out; returns `dir`.
 */
export async function writeDigitPngs(dir: string, count: number): Promise<string> {
  const mnist = await loadMnist();
  const [start] = parseSplit('heldout');
  for (let i = 0; i < count; i++) {
    const grey = Uint8Array.from(mnist.images.subarray((start + i) * 784, (start + i + 1) * 784), (v) => Math.round(v * 255));
    const png = encode({ width: 28, height: 28, data: grey, channels: 1, depth: 8 });
    const folder = join(dir, String(mnist.labels[start + i]));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `digit-${String(i).padStart(4, '0')}.png`), png);
    if (i === 0) writeFileSync(join(folder, '._digit-0000.png'), png);
  }
  return dir;
}

export interface WebFixture {
  dir: string;
  nets: { name: string; path: string }[];
}

export function webFixture(): WebFixture {
  const dir = tempDir('web');
  mkdirSync(dir, { recursive: true });
  const nets = [
    { name: 'netA', path: join(dir, 'netA.onnx') },
    { name: 'netB', path: join(dir, 'netB.onnx') },
  ];
  writeMnistNet(nets[0].path, 11);
  writeMnistNet(nets[1].path, 12);
  return { dir, nets };
}

/** `convergent run` on the fixture's nets and WEB_ITEMS held-out digits (or every image of `folder`); its summary.json. */
export function cliRun(fixture: WebFixture, backend: 'wasm' | 'webgpu' | 'reference', out = join(fixture.dir, `cli-${backend}`), folder?: string, flags: string[] = []): { out: string; summary: { layers: Record<string, unknown>[]; nets: Record<string, unknown>[] } } {
  const data = folder ? ['--data', folder] : ['--data', 'mnist', '--limit', String(WEB_ITEMS)];
  const r = convergent(['run', ...fixture.nets.flatMap((n) => ['--net', `${n.name}=${n.path}`]), ...data, '--backend', backend, '--out', out, '--quiet', ...flags]);
  if (r.code !== 0) throw new Error(`convergent run failed: ${r.stderr}`);
  return { out, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) };
}

/** Every number of two summaries' layer rows within `tolerance`, and every other value equal. */
export function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[], tolerance: number): string[] {
  const problems: string[] = [];
  if (actual.length !== expected.length) return [`${actual.length} rows, expected ${expected.length}`];
  expected.forEach((row, i) => {
    const keys = new Set([...Object.keys(row), ...Object.keys(actual[i])]);
    for (const key of keys) {
      const a = actual[i][key];
      const e = row[key];
      if (typeof e === 'number' && typeof a === 'number') {
        if (!(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)))) problems.push(`row ${i} ${key}: ${a} vs ${e}`);
      } else if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`row ${i} ${key}: ${JSON.stringify(a)} vs ${JSON.stringify(e)}`);
    }
  });
  return problems;
}
