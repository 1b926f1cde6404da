// Issue 10, item 20: counts agree with their nouns ("1 layer", "1 unreadable image"), and
// `convergent methods` lists options cleanly (no "default undefined").
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { plural } from '../../src/util/plural.js';
import { withArticle } from '../../src/util/article.js';
import { checkSupported } from '../../src/forward/compile.js';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { convergent, tempDir, writeTinyCnn } from './helpers.js';

describe('plural', () => {
  it('one noun, many nouns, irregular plurals', () => {
    expect(plural(1, 'layer')).toBe('1 layer');
    expect(plural(0, 'layer')).toBe('0 layers');
    expect(plural(2, 'image')).toBe('2 images');
    expect(plural(1, 'penalty', 'penalties')).toBe('1 penalty');
    expect(plural(6, 'penalty', 'penalties')).toBe('6 penalties');
  });
});

describe('a or an', () => {
  it('follows how the word is said: words, acronyms, numbers', () => {
    expect(['Erf', 'Conv', 'Unsqueeze', 'LSTM', 'GRU', 'NaN', 'Infinity', '-Infinity'].map(withArticle)).toEqual([
      'an Erf', 'a Conv', 'an Unsqueeze', 'an LSTM', 'a GRU', 'a NaN', 'an Infinity', 'a -Infinity',
    ]);
    expect(['8 x 8', '11 x 11', '18', '1 x 1', '110', '80', '11000', '1100'].map(withArticle)).toEqual([
      'an 8 x 8', 'an 11 x 11', 'an 18', 'a 1 x 1', 'a 110', 'an 80', 'an 11000', 'a 1100',
    ]);
  });

  it('an unsupported op: "is an Erf", not "is a Erf"', () => {
    const b = new OnnxBuilder('g');
    b.input('x', [1, 4]);
    b.node('Erf', ['x'], ['y'], {}, 'erf1');
    b.output('y');
    expect(() => checkSupported(b.build(), 'e.onnx')).toThrow(/^e\.onnx: node "erf1" is an Erf, an op convergent cannot run; /);
  });
});

describe('messages with counts', () => {
  it('probe of one layer says "probed 1 layer of 2 nets"', () => {
    const out = join(tempDir('one-layer'), 'run');
    const r = convergent(['probe', '--net', 'a=test/fixtures/e2e/netA', '--net', 'b=test/fixtures/e2e/netB.npz', '--layer', 'fc', '--out', out, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`convergent: probed 1 layer of 2 nets into ${out}\n`);
  });

  it('one unreadable image is "skipped 1 unreadable image"', () => {
    const dir = tempDir('one-bad');
    const images = join(dir, 'images');
    mkdirSync(images);
    for (let i = 0; i < 3; i++) {
      const data = Uint8Array.from({ length: 12 * 10 * 3 }, (_, k) => (k * 37 + i * 91) % 256);
      writeFileSync(join(images, `img${i}.png`), encode({ width: 12, height: 10, data, channels: 3, depth: 8 }));
    }
    writeFileSync(join(images, 'broken.png'), 'not a png');
    writeTinyCnn(join(dir, 'a.onnx'), 1);
    writeTinyCnn(join(dir, 'b.onnx'), 2);
    const r = convergent(['probe', '--net', `a=${join(dir, 'a.onnx')}`, '--net', `b=${join(dir, 'b.onnx')}`, '--data', images, '--out', join(dir, 'run'), '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/convergent: skipped 1 unreadable image \(listed in probe\.json\)/);
    expect(r.stderr).toMatch(/probed 2 layers of 2 nets over 3 images/);
  });
});

describe('convergent methods', () => {
  it('lists each option with its value type and a default only where there is one', () => {
    const r = convergent(['methods', '--plugin', 'examples/threshold-plugin.mjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/undefined/);
    expect(r.stdout).toMatch(/^ {4}--count-above\.threshold NUMBER\n {8}correlation a best partner must exceed \(default 0\.5\)$/m);
    expect(r.stdout).toMatch(/^ {4}--mi\.miller-madow\n {8}.* \(default off\)$/m);
    expect(r.stdout).toMatch(/^ {4}--mi\.bins NUMBER\n {8}.*mi-histograms reducer \(whose default is 10\); align checks it against the run$/m);
    expect(r.stdout).toMatch(/^semi .*\[built-in\]$/m);
  });
});
