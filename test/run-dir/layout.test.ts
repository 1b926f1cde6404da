// Names to folder names (issue 10 item 1): reversible and collision-free, never '.', '..' or hidden.
import { describe, expect, it } from 'vitest';
import { checkPathNames, decodeName, safeName } from '../../src/run-dir/layout.js';

describe('safeName', () => {
  it('keeps plain names and escapes everything else reversibly', () => {
    expect(safeName('conv1')).toBe('conv1');
    expect(safeName('fc-2.relu_out')).toBe('fc-2.relu_out');
    expect(safeName('x fc')).toBe('x%20fc');
    expect(safeName('x/fc')).toBe('x%2Ffc');
    expect(safeName('50%')).toBe('50%25');
    expect(safeName('.')).toBe('%2E');
    expect(safeName('..')).toBe('%2E.');
    expect(safeName('.hidden')).toBe('%2Ehidden');
    expect(safeName('/Relu_output_0')).toBe('%2FRelu_output_0');
  });

  it('gives distinct names a distinct component, and decodes back', () => {
    const names = ['x fc', 'x_fc', 'x/fc', 'x\\fc', 'x%20fc', 'x%2Ffc', '..', '.', 'ü', 'u', 'a:b', 'a?b', 'CON', 'Ω/∑ 1'];
    const components = names.map(safeName);
    expect(new Set(components).size).toBe(names.length);
    for (const [i, c] of components.entries()) {
      expect(c).toMatch(/^[A-Za-z0-9%_-][A-Za-z0-9%._-]*$/);
      expect(decodeName(c)).toBe(names[i]);
    }
  });

  it('refuses an empty name', () => {
    expect(() => safeName('')).toThrow(/empty name/);
  });
});

describe('checkPathNames', () => {
  it('refuses names that differ only in case, naming both', () => {
    expect(() => checkPathNames('layer', ['Conv1', 'fc', 'conv1'])).toThrow(/layers "Conv1" and "conv1" differ only in upper\/lower case/);
    expect(() => checkPathNames('layer', ['x fc', 'x_fc', 'x/fc'])).not.toThrow();
  });

  it('refuses names too long for a file name', () => {
    expect(() => checkPathNames('layer', ['a'.repeat(201)])).toThrow(/too long/);
  });
});
