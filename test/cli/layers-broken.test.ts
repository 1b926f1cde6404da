// `convergent layers` on a broken ONNX graph names the file with the graph's own problem
// (issue 10 item 13: messages name the model).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxBuilder } from '../../src/inputs/onnx/builder.js';
import { encodeOnnx } from '../../src/inputs/onnx/encode.js';

const CLI = 'dist/cli/main.js';

describe('convergent layers', () => {
  it('names the model file of a graph with a dangling input', () => {
    const b = new OnnxBuilder('dangling');
    b.input('x', ['N', 1, 5, 3]);
    b.node('Relu', ['ghost'], ['r'], {}, 'relu_ghost');
    b.output('r');
    const path = join(mkdtempSync(join(tmpdir(), 'convergent-layers-')), 'bad.onnx');
    writeFileSync(path, encodeOnnx(b.build()));
    const r = spawnSync(process.execPath, [CLI, 'layers', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^convergent: error: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Relu node "relu_ghost" reads "ghost", which no node`));
  });
});
