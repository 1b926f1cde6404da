// The typed TS-to-WASM boundary: src/generated/wasm-exports.ts (generated from assembly/ by
// scripts/embed-wasm-exports.mjs) must name every export of the embedded module with its
// parameter count, so a host calling through WasmExports calls what the module has.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmExportArity } from '../../src/generated/wasm-exports.js';
import { WasmInstance, wasmModule } from '../../src/kernels/wasm-module.js';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('WASM exports', () => {
  it('the generated interface names exactly the functions the module exports', async () => {
    const exported = WebAssembly.Module.exports(await wasmModule());
    const functions = exported.filter((e) => e.kind === 'function').map((e) => e.name);
    expect([...functions].sort()).toEqual(Object.keys(wasmExportArity).sort());
    expect(exported.filter((e) => e.kind === 'memory').map((e) => e.name)).toEqual(['memory']);
  });

  it('every function takes the number of parameters the interface declares', async () => {
    const { exports } = await WasmInstance.create();
    const table = exports as unknown as Record<string, unknown>;
    for (const [name, arity] of Object.entries(wasmExportArity)) {
      const fn = table[name];
      expect(typeof fn, name).toBe('function');
      expect((fn as (...a: unknown[]) => unknown).length, name).toBe(arity);
    }
  });

  it('no host calls the module through an untyped table or positional numbers', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((path) => /exports\s*:\s*Record<string,\s*any>|\.\.\.args:\s*number\[\]|exports as Record<string, any>/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(root, path));
    expect(offenders).toEqual([]);
  });
});
