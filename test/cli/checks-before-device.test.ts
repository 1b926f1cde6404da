// Issue 10, item 10 follow-up: every input check that needs no device runs before the backend is
// opened. With `--backend webgpu` asked for, a mistake in the nets (a name given twice, a missing
// layer or tensor, nets that disagree on their samples, a float16 file, a layer with no samples)
// is refused alone: no `backend ...` line (the device was never opened), nothing written.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpyHeader } from '../../src/inputs/npy/npy-header.js';
import { encodeNpy } from '../../src/run-dir/npy-write.js';
import { convergent, tempDir, writeImages, writeTinyCnn } from './helpers.js';

const FIX = 'test/fixtures/e2e';

/** Refused with exactly this one error line: the backend (which prints its line) never opened. */
function refusedBeforeDevice(args: string[], message: string | RegExp): void {
  const out = join(tempDir('before-device'), 'run');
  const r = convergent([...args, '--out', out, '--backend', 'webgpu']);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/backend /);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toBe(`convergent: error: ${message}`);
  else expect(lines[0]).toMatch(message);
  expect(existsSync(out)).toBe(false);
}

/** A folder of activation files: `fc.npy` of the given shape (float32, or float16 with `half`). */
function activationDir(shape: number[], half = false): string {
  const dir = join(tempDir('acts'), 'net');
  mkdirSync(dir);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = half
    ? Buffer.concat([encodeNpyHeader({ descr: '<f2', shape }), Buffer.alloc(2 * count)])
    : encodeNpy(Float32Array.from({ length: count }, (_, i) => Math.sin(i)), shape);
  writeFileSync(join(dir, 'fc.npy'), bytes);
  return dir;
}

describe.each(['run', 'probe'])('%s: mistakes in the nets are refused before the device is opened', (command) => {
  it('a net name given twice', () => {
    refusedBeforeDevice([command, '--net', `a=${FIX}/netA`, '--net', `a=${FIX}/netB.npz`], 'net name "a" is given twice');
  });

  it('a layer that a net does not have', () => {
    refusedBeforeDevice([command, '--net', `a=${FIX}/netA`, '--net', `b=${FIX}/netB.npz`, '--layer', 'nope'], /^convergent: error: net a \(.*netA\) has no layer "nope"; it has: conv, fc$/);
  });

  it('nets that disagree on their samples', () => {
    const other = activationDir([36, 9]);
    refusedBeforeDevice([command, '--net', `a=${FIX}/netA`, '--net', `b=${other}`, '--layer', 'fc'], /^convergent: error: layer fc: net b has 36 items x 1 positions .* but net a has 37 x 1 .*every net must see the same samples$/);
  });

  it('a float16 file', () => {
    const half = activationDir([37, 9], true);
    refusedBeforeDevice([command, '--net', `a=${FIX}/netA`, '--net', `b=${half}`, '--layer', 'fc'], /^convergent: error: .*fc\.npy.*unsupported dtype '<f2'.*float32/);
  });

  it('a layer with no samples', () => {
    const a = activationDir([0, 9]);
    const b = activationDir([0, 9]);
    refusedBeforeDevice([command, '--net', `a=${a}`, '--net', `b=${b}`], /^convergent: error: layer fc has no samples to probe/);
  });

  it('ONNX nets: a tensor that a net does not have', () => {
    const dir = tempDir('onnx-before-device');
    writeTinyCnn(join(dir, 'a.onnx'), 1);
    writeTinyCnn(join(dir, 'b.onnx'), 2);
    writeImages(join(dir, 'images.npy'), 5);
    refusedBeforeDevice(
      [command, '--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', join(dir, 'images.npy'), '--layer', 'x1=nope'],
      /^convergent: error: net a \(.*a\.onnx\) has no tensor "nope" for layer x1/,
    );
  });
});
