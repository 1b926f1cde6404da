// Issue 10 with ONNX nets: `run --layer NAME=TENSOR` aligns the layer by its name (item 15); the
// names `convergent layers` prints are the names --layer takes, and the Conv output before conv1's
// ReLU is conv1.conv, not a confusable conv_1 (item 20); a shape error names the net and its file,
// a NaN in an input image names the image and the file (item 13).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ITEM, convergent, tempDir, writeImages, writeTinyCnn } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('onnx');
  writeTinyCnn(join(dir, 'a.onnx'), 1);
  writeTinyCnn(join(dir, 'b.onnx'), 2);
  writeTinyCnn(join(dir, 'bad.onnx'), 3, 4); // conv weight for 4 channels, input has 3
  writeImages(join(dir, 'images.npy'), 13);
  writeImages(join(dir, 'nan.npy'), 13, 5 * ITEM[0] * ITEM[1] * ITEM[2] + 2 * ITEM[1] * ITEM[2] + 3 * ITEM[2] + 4); // image 5, channel 2, row 3, column 4
});

const nets = () => ['--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', join(dir, 'images.npy'), '--backend', 'wasm'];

describe('run with ONNX nets', () => {
  it('--layer conv1=r1 probes and aligns layer conv1 (not "conv1=r1")', () => {
    const out = join(dir, 'spec');
    const r = convergent(['run', ...nets(), '--out', out, '--layer', 'conv1=r1', '--layer', 'fc1=r2']);
    expect(r.code, r.stderr).toBe(0);
    const layers = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).layers.map((l: { layer: string }) => l.layer);
    expect(layers).toEqual(['conv1', 'fc1']);
    expect(r.stdout).toMatch(/^conv1 +a +b +5 /m);
  });

  it('layers names the Conv output conv1.conv, and --layer takes that name', () => {
    const listing = convergent(['layers', join(dir, 'a.onnx')]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(/^ +conv1\.conv +c1 +Conv /m);
    expect(listing.stdout).toMatch(/^\* +conv1 +r1 +Relu /m);
    expect(listing.stdout).toMatch(/^ +fc1\.gemm +g +Gemm /m);
    expect(listing.stdout).toMatch(/^ +flatten\.1 +f +Flatten /m);
    expect(listing.stdout).not.toMatch(/conv_1/);
    const out = join(dir, 'pre');
    const r = convergent(['run', ...nets(), '--out', out, '--layer', 'conv1.conv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^conv1\.conv +a +b +5 /m);
  });

  it('a shape error names the net and its model file', () => {
    const r = convergent(['probe', '--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'bad.onnx')}`, '--data', join(dir, 'images.npy'), '--out', join(dir, 'bad'), '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`convergent: error: net b (${join(dir, 'bad.onnx')}): Conv node "Conv_0": weight "w1" [5, 4, 3, 3] with group 1 does not match the 3 input channels`);
  });

  it('a NaN in an input image names the image, its place and the file', () => {
    const data = join(dir, 'nan.npy');
    const r = convergent(['probe', '--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', data, '--out', join(dir, 'nan'), '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`convergent: error: ${data}: image #5 has NaN at channel 2, row 3, column 4; input images must be finite`);
  });
});
