// `convergent info RUN` (the built CLI, after `npx tsc -p tsconfig.json`): the run's provenance,
// layers, reducers, backend, command and align, as text and JSON; read-only (it works and changes
// nothing while another command holds the run's lock); a directory that is not a run is refused.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPaths, type ProbeManifest } from '../../src/run-dir/layout.js';
import type { RunInfo } from '../../src/run-dir/run-info.js';
import { convergent, exampleRun, tempDir, writeImages, writeTinyCnn } from './helpers.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('convergent info', () => {
  let run: string;
  let manifest: ProbeManifest;
  beforeAll(() => {
    run = exampleRun();
    manifest = JSON.parse(readFileSync(runPaths.manifest(run), 'utf8')) as ProbeManifest;
  });

  it('prints the provenance, layers, reducers, backend, command and align as JSON', () => {
    const r = convergent(['info', run, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as RunInfo;
    expect(info.aligned).toBe(true);
    expect(info.locked).toBe(false);
    expect(info.backend).toBe(manifest.backend);
    expect(info.command).toContain('run --example');
    expect(info.layers.map((l) => [l.name, l.samples, l.units])).toEqual(manifest.layers.map((l) => [l.name, l.samples, l.units]));
    expect(info.reducers).toEqual(manifest.reducers);
    expect(info.provenance!.tool.version).toBe(VERSION);
    for (const net of info.provenance!.nets) {
      for (const file of net.files) expect(file.sha256).toBe(createHash('sha256').update(readFileSync(file.path)).digest('hex'));
    }
  });

  it('shows a part of a sharded probe, its batch, a merged run with its parts, and a checkpoint', () => {
    const dir = tempDir('info-shards');
    const nets = ['--net', 'netA=test/fixtures/e2e/netA', '--net', 'netB=test/fixtures/e2e/netB.npz'];
    for (const k of [0, 1]) expect(convergent(['probe', ...nets, '--out', join(dir, `p${k}`), '--shard', `${k}/2`, '--batch', '10', '--quiet', '--backend', 'reference']).code).toBe(0);
    expect(convergent(['merge', join(dir, 'p1'), join(dir, 'p0'), '--out', join(dir, 'run'), '--backend', 'reference']).code).toBe(0);
    const part = convergent(['info', join(dir, 'p1')]).stdout;
    expect(part).toContain('items     20 .. 37 (end excluded)\nshard     part 1 of 2 (0-based) of a probe over 37 items\nbatch     10 items');
    const merged = convergent(['info', join(dir, 'run')]).stdout;
    expect(merged).toContain(`items     0 .. 37 (end excluded)\nbatch     10 items\nmerged    2 parts, items 0 .. 37\n  ${join(dir, 'p0')}  items 0 .. 20\n  ${join(dir, 'p1')}  items 20 .. 37`);
    expect(merged).not.toContain('checkpoint');
    // A checkpoint left by a stopped probe (its contents are the probe's business: info only says it is there).
    mkdirSync(join(dir, 'p1', '.checkpoint'));
    expect(convergent(['info', join(dir, 'p1')]).stdout).toContain('checkpoint  yes: the probe stopped; the same command with --resume continues it');
  });

  it('prints the same as text, each file with its full sha256', () => {
    const r = convergent(['info', run]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tool      convergent ${VERSION}`);
    expect(r.stdout).toContain('aligned   yes (summary.json present)');
    expect(r.stdout).toContain(`backend   ${manifest.backend}`);
    for (const net of manifest.provenance!.nets) for (const file of net.files) expect(r.stdout).toContain(`sha256 ${file.sha256}  ${file.bytes} bytes  ${file.path}`);
    for (const layer of manifest.layers) expect(r.stdout).toContain(`  ${layer.name}  ${layer.samples} samples (${layer.items} items)  units: `);
  });

  it('reads a run whose lock another command holds, and leaves the lock as it was', () => {
    const lock = runPaths.lock(run);
    const owner = `${JSON.stringify({ pid: process.pid, host: hostname(), command: 'convergent align (test)', started: new Date().toISOString() }, null, 2)}\n`;
    writeFileSync(lock, owner);
    try {
      const r = convergent(['info', run]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('locked    yes');
      expect(readFileSync(lock, 'utf8')).toBe(owner);
    } finally {
      rmSync(lock);
    }
  });

  it('reads a run probed before provenance was recorded', () => {
    const old = tempDir('info-old');
    const { provenance: _, ...before } = manifest;
    writeFileSync(runPaths.manifest(old), JSON.stringify(before));
    const r = convergent(['info', old]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tool      (not recorded)');
    expect(r.stdout).toContain('provenance not recorded: this run was probed before convergent recorded it');
    expect(r.stdout).toContain('aligned   no');
  });

  it('shows what `probe` recorded of ONNX nets and .npy data given on the command line', () => {
    const dir = tempDir('info-onnx');
    const [a, b, data] = [join(dir, 'a.onnx'), join(dir, 'b.onnx'), join(dir, 'x.npy')];
    writeTinyCnn(a, 1);
    writeTinyCnn(b, 2);
    writeImages(data, 9);
    const out = join(dir, 'run');
    const probe = convergent(['probe', '--net', `a=${a}`, '--net', `b=${b}`, '--data', data, '--out', out, '--backend', 'wasm', '--limit', '7', '--quiet']);
    expect(probe.stderr).toBe('');
    const info = JSON.parse(convergent(['info', out, '--format', 'json']).stdout) as RunInfo;
    const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(info.provenance!.nets.map((n) => [n.kind, n.files[0].sha256])).toEqual([['onnx', sha(a)], ['onnx', sha(b)]]);
    expect(info.provenance!.data).toMatchObject({ source: data, limit: 7, file: { path: data, sha256: sha(data) } });
    expect(info.provenance!.items).toEqual({ start: 0, end: 7 });
    expect(info.aligned).toBe(false);
  });

  it('refuses a directory that is not a run, a file and a missing path, naming each', () => {
    const empty = tempDir('info-empty');
    let r = convergent(['info', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${empty} is not a run directory: it has no probe.json`);
    r = convergent(['info', runPaths.manifest(run)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${runPaths.manifest(run)} is not a run directory: it is a file`);
    r = convergent(['info', join(empty, 'nothing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(empty, 'nothing')}: no such directory`);
  });
});
