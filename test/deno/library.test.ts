// The library from a plain Deno script with `npm:` specifiers and no package.json, against the
// same script under Node (library-script.mjs: it probes and aligns two nets on the wasm backend),
// and the package's CLI as `npm:convergent` against Node's, in the two ways Deno finds npm
// packages:
// - in node_modules, as after `npm install convergent`: the packed package (npm pack) extracted
//   into a temp folder's node_modules, its dependencies linked from this checkout's (offline;
//   test/package/files.test.ts checks that the package declares every one it imports). Without
//   a package.json Deno looks there only with --node-modules-dir=manual (otherwise bare imports
//   of a file: module fail with `Import "yauzl" not a dependency`);
// - from the registry into Deno's own cache, as once the package is published: a local registry
//   (local-registry.ts) serves the packed package and npm's cached tarballs of its dependencies.
//   Skipped with a warning when npm's cache lacks one of them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deno, denoAsync, expectSameJson, expectSameRun, hasDeno, node, root, succeeded, tempDir, warnWithoutDeno, type Result } from './helpers.js';
import { registryContents, startRegistry } from './local-registry.js';

warnWithoutDeno('Deno library test');

/** The packed package in `dir`/consumer/node_modules/convergent, and no package.json. */
function installPackage(dir: string, tarball: string): string {
  const consumer = join(dir, 'consumer');
  const installed = join(consumer, 'node_modules', 'convergent');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (!name.startsWith('.') && name !== 'convergent') symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  return consumer;
}

/** The script's last line: where the library came from, an assignment, the run's summary. */
const output = (r: Result) => JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as { library: string; summary: { methods: string[] } };

const EXAMPLE = ['run', '--example', '--backend', 'wasm', '--out', 'run'];

describe.runIf(hasDeno)('the packed library in a plain Deno script', () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  let dir = '';
  let tarball = '';
  let consumer = '';
  let script = '';
  let nodeLibrary: Result;
  let nodeCli: Result;

  /** A folder of the consumer's with the script as a Deno user writes it: `npm:` specifiers. */
  function denoFolder(name: string, specifier: string): string {
    const folder = join(consumer, name);
    mkdirSync(folder);
    writeFileSync(join(folder, 'deno.mjs'), script.replace(/(from |resolve\()'convergent/g, `$1'${specifier}`));
    return folder;
  }

  beforeAll(() => {
    dir = tempDir('library');
    tarball = join(dir, execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!);
    consumer = installPackage(dir, tarball);
    script = readFileSync(join(import.meta.dirname, 'library-script.mjs'), 'utf8');
    writeFileSync(join(consumer, 'node.mjs'), script);
    for (const who of ['node', 'node-cli']) mkdirSync(join(consumer, who));
    nodeLibrary = succeeded('node node.mjs', node(['../node.mjs'], join(consumer, 'node')));
    const cli = join(consumer, 'node_modules', 'convergent', 'dist', 'cli', 'main.js');
    nodeCli = succeeded('node convergent', node([cli, ...EXAMPLE], join(consumer, 'node-cli')));
    expect(output(nodeLibrary).summary.methods).toContain('cca');
    expect(nodeCli.stdout).toContain('bipartite r');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads from node_modules through npm: specifiers and probes and aligns as under Node', () => {
    const folder = denoFolder('deno', 'npm:convergent');
    expect(readFileSync(join(folder, 'deno.mjs'), 'utf8')).toContain("from 'npm:convergent/node'");
    const byDeno = succeeded('deno deno.mjs', deno(['run', '-A', '--node-modules-dir=manual', 'deno.mjs'], folder));
    // Loaded from the installed package, not from this checkout.
    expect(output(byDeno).library).toBe(`file://${join(consumer, 'node_modules', 'convergent', 'dist', 'src', 'index.js')}`);
    expectSameJson(output(byDeno), output(nodeLibrary), 'output');
    expectSameRun(join(folder, 'run'), join(consumer, 'node', 'run'));
  });

  it('runs the package\'s CLI from node_modules as npm:convergent', () => {
    const folder = join(consumer, 'deno-cli');
    mkdirSync(folder);
    const byDeno = succeeded('deno npm:convergent', deno(['run', '-A', '--node-modules-dir=manual', 'npm:convergent', ...EXAMPLE], folder));
    expect(byDeno.stdout).toBe(nodeCli.stdout);
    expectSameRun(join(folder, 'run'), join(consumer, 'node-cli', 'run'));
  });

  it('loads from a registry into Deno\'s cache, as once published: the library and the CLI', async () => {
    const { published, missing } = registryContents(root, tarball);
    if (missing.length > 0) {
      console.warn(`Deno published-package test skipped: npm's cache lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
      return;
    }
    const registry = await startRegistry(published);
    try {
      // A folder outside the consumer's: no node_modules or package.json anywhere above it.
      const folder = join(dir, 'published');
      mkdirSync(folder);
      writeFileSync(join(folder, 'deno.mjs'), script.replace(/(from |resolve\()'convergent/g, `$1'npm:convergent@${version}`));
      const env = { NPM_CONFIG_REGISTRY: registry.url, DENO_DIR: join(dir, 'deno-dir') };
      const byDeno = succeeded('deno deno.mjs (registry)', await denoAsync(['run', '-A', 'deno.mjs'], folder, env));
      const got = output(byDeno);
      expect(got.library.startsWith(`file://${join(dir, 'deno-dir', 'npm')}`), got.library).toBe(true);
      expectSameJson({ ...got, library: '' }, { ...output(nodeLibrary), library: '' }, 'output');
      expectSameRun(join(folder, 'run'), join(consumer, 'node', 'run'));
      mkdirSync(join(folder, 'cli'));
      const cli = succeeded('deno npm:convergent (registry)', await denoAsync(['run', '-A', `npm:convergent@${version}`, ...EXAMPLE], join(folder, 'cli'), env));
      expect(cli.stdout).toBe(nodeCli.stdout);
      expectSameRun(join(folder, 'cli', 'run'), join(consumer, 'node-cli', 'run'));
    } finally {
      await registry.close();
    }
  });
});
