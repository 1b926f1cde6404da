// The npm registry this project installs from serves only Deno's linux-x64 binary package, so
// `npm install` writes a lock without the other platforms' optional packages, and `npm ci` then
// refuses the lock. This adds those entries (optional, with their os/cpu, never fetched on
// linux-x64). Run after any `npm install` that rewrites package-lock.json.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const deno = lock.packages['node_modules/deno'];
const platforms = {
  'darwin-arm64': [['darwin'], ['arm64']],
  'darwin-x64': [['darwin'], ['x64']],
  'linux-arm64-glibc': [['linux'], ['arm64']],
  'win32-arm64': [['win32'], ['arm64']],
  'win32-x64': [['win32'], ['x64']],
};
for (const [name, [os, cpu]] of Object.entries(platforms)) {
  const key = `node_modules/@deno/${name}`;
  lock.packages[key] ??= { version: deno.version, dev: true, license: 'MIT', optional: true, os, cpu };
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('package-lock.json: optional Deno platform packages listed');
