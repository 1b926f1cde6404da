// A local npm registry for the Deno tests, so that `npm:convergent` resolves as it will once the
// package is published: Deno fetches it and its dependencies into its own cache (no node_modules,
// no package.json), with no network. It serves the packed package (npm pack) and, for every
// runtime dependency, the very tarball npm installed: package-lock.json names it by integrity,
// and npm's cache (`npm config get cache`) holds it under that hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: Record<string, string> | string;
  os?: string[];
  cpu?: string[];
}

interface Published {
  name: string;
  version: string;
  manifest: Record<string, unknown>;
  tarball: string;
  integrity: string;
}

export interface LocalRegistry {
  /** The registry's URL, for NPM_CONFIG_REGISTRY. */
  url: string;
  close(): Promise<void>;
}

/** `node_modules/a/node_modules/b` -> `b`; `node_modules/@s/c` -> `@s/c`. */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** The lock entry a package at `from` gets for `dep`, found as Node finds it: nearest node_modules first. */
function resolveInLock(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const path = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
    if (packages[path]) return path;
    if (!dir) return undefined;
  }
}

/** The lock paths of the root package's runtime dependencies, all the way down. */
function runtimeClosure(packages: Record<string, LockEntry>): string[] {
  const seen = new Set<string>();
  const queue: [string, LockEntry][] = [['', packages['']]];
  while (queue.length > 0) {
    const [from, entry] = queue.pop()!;
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const dep of Object.keys(deps)) {
      const path = resolveInLock(packages, from, dep);
      if (path === undefined || seen.has(path)) continue; // an optional dependency for another platform
      seen.add(path);
      queue.push([path, packages[path]]);
    }
  }
  return [...seen];
}

/** Where npm's cache keeps the tarball of `integrity` (cacache's content-v2 layout). */
function cachedTarball(cache: string, integrity: string): string {
  const [algorithm, digest] = integrity.split(' ')[0].split('-');
  const hex = Buffer.from(digest, 'base64').toString('hex');
  return join(cache, '_cacache', 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/**
 * What the registry would serve: the packed package and its runtime dependencies from npm's
 * cache, or the dependencies missing from that cache (then the caller skips).
 */
export function registryContents(root: string, packedTarball: string): { published: Published[]; missing: string[] } {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { cwd: root, encoding: 'utf8' }).trim();
  const published: Published[] = [];
  const missing: string[] = [];
  for (const path of runtimeClosure(lock.packages)) {
    const entry = lock.packages[path];
    const name = entry.name ?? nameOf(path);
    const tarball = entry.integrity ? cachedTarball(cache, entry.integrity) : '';
    if (!entry.version || !tarball || !existsSync(tarball)) {
      missing.push(`${name}@${entry.version}`);
      continue;
    }
    const { dependencies, optionalDependencies, peerDependencies, bin, os, cpu } = entry;
    published.push({ name, version: entry.version, manifest: { dependencies, optionalDependencies, peerDependencies, bin, os, cpu }, tarball, integrity: entry.integrity! });
  }
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: unknown; bin: unknown; type: string };
  const bytes = readFileSync(packedTarball);
  published.push({
    name: own.name,
    version: own.version,
    manifest: { dependencies: own.dependencies, bin: own.bin, type: own.type },
    tarball: packedTarball,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
  });
  return { published, missing };
}

/** -1, 0 or 1 as release version a is below, equal to or above b (x.y.z; enough for `latest`). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(/[.+-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/** Serves `published` on 127.0.0.1 (any free port): packuments at /NAME, tarballs at /NAME/-/FILE.tgz. */
export async function startRegistry(published: Published[]): Promise<LocalRegistry> {
  const packuments = new Map<string, { name: string; versions: Record<string, unknown>; 'dist-tags': { latest: string } }>();
  const tarballs = new Map<string, string>();
  let base = '';
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0]);
    const tarball = tarballs.get(path);
    const packument = packuments.get(path.slice(1));
    if (tarball) response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(tarball));
    else if (packument) response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument, (key, value) => (key === 'tarball' ? `${base}${value}` : value)));
    else response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const p of published) {
    const file = `/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`;
    tarballs.set(file, p.tarball);
    const packument = packuments.get(p.name) ?? { name: p.name, versions: {}, 'dist-tags': { latest: p.version } };
    packument.versions[p.version] = { ...p.manifest, name: p.name, version: p.version, dist: { tarball: file, integrity: p.integrity } };
    if (compareVersions(p.version, packument['dist-tags'].latest) > 0) packument['dist-tags'].latest = p.version;
    packuments.set(p.name, packument);
  }
  return { url: `${base}/`, close: () => new Promise((done) => server.close(() => done())) };
}
