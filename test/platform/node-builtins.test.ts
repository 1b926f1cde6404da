// The run-time shim that keeps node:fs, node:fs/promises and node:path out of browser bundles
// (src/platform/node-builtins.ts): in Node its functions are the built-ins' own; where the platform
// has no Node built-ins (a browser), calling a file function is an error that names the module and
// the way out, importing one is not, and paths are POSIX paths (a run held in memory names its files).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from '../../src/platform/node-fs.js';
import { readFile } from '../../src/platform/node-fs-promises.js';
import { join } from '../../src/platform/node-path.js';

const host = process as { getBuiltinModule?: unknown };
const lookup = host.getBuiltinModule;
afterEach(() => {
  host.getBuiltinModule = lookup;
});

describe('the node built-ins shim', () => {
  it("calls Node's own functions in Node", async () => {
    expect(join('runs', 'a', '..', 'b')).toBe(path.join('runs', 'a', '..', 'b'));
    expect(existsSync(import.meta.filename)).toBe(true);
    expect(existsSync(join(import.meta.dirname, 'no-such-file'))).toBe(fs.existsSync(join(import.meta.dirname, 'no-such-file')));
    expect(await readFile(import.meta.filename, 'utf8')).toBe(fs.readFileSync(import.meta.filename, 'utf8'));
  });

  it('refuses file functions, naming the module, where the platform has no Node built-ins; paths are POSIX there', async () => {
    host.getBuiltinModule = undefined;
    expect(() => existsSync('/')).toThrow(/through node:fs, which this platform does not have .*in a browser, use the in-memory functions of 'convergent'/);
    expect(() => readFile('/')).toThrow(/node:fs\/promises/);
    expect(join('run', 'moments', '..', 'tables', 'summary.csv')).toBe('run/tables/summary.csv');
  });
});
