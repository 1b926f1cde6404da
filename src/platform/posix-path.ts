// POSIX paths without Node: what src/platform/node-path.ts falls back to where there is no
// node:path (a browser), so that run-directory paths (src/run-dir/layout.ts runPaths) name the
// files of a run held in memory, and of its .zip, as they name them on disk.

function normalize(parts: string[], absolute: boolean): string {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(part);
  }
  const path = out.join('/');
  return absolute ? `/${path}` : path || '.';
}

export function join(...paths: string[]): string {
  const joined = paths.filter((p) => p !== '').join('/');
  if (joined === '') return '.';
  return normalize(joined.split('/'), joined.startsWith('/'));
}

export function resolve(...paths: string[]): string {
  let path = '';
  for (const p of paths) path = p.startsWith('/') ? p : path ? `${path}/${p}` : p;
  return normalize(path.split('/'), true);
}

export function dirname(path: string): string {
  if (/^\/+$/.test(path)) return '/';
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  if (at < 0) return '.';
  return at === 0 ? '/' : trimmed.slice(0, at);
}

export function basename(path: string, suffix?: string): string {
  const base = path.replace(/\/+$/, '').split('/').pop() ?? '';
  return suffix && base.endsWith(suffix) && base !== suffix ? base.slice(0, -suffix.length) : base;
}

export const sep = '/';

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

export function normalizePath(path: string): string {
  return normalize(path.split('/'), path.startsWith('/'));
}
export { normalizePath as normalize };

export function extname(path: string): string {
  const base = basename(path);
  const at = base.lastIndexOf('.');
  return at <= 0 || base === '..' ? '' : base.slice(at);
}

export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}
