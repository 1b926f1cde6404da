// The node:path functions of the modules the browser entry reaches; see node-builtins.ts. Where
// the platform has no node:path (a browser), POSIX paths (./posix-path.ts): a run held in memory
// names its files as a run on disk does.
import { hasNodeBuiltins, lazyFunction } from './node-builtins.js';
import * as posix from './posix-path.js';

/** node:path's `name` where Node's built-ins exist (looked up on each call), else the POSIX one. */
function pathFunction<F extends 'basename' | 'dirname' | 'join' | 'resolve'>(name: F): typeof import('node:path')[F] {
  const node = lazyFunction('node:path', name);
  return ((...args: unknown[]) => (hasNodeBuiltins() ? (node as (...a: unknown[]) => unknown)(...args) : (posix[name] as (...a: unknown[]) => unknown)(...args))) as typeof import('node:path')[F];
}

export const basename = pathFunction('basename');
export const dirname = pathFunction('dirname');
export const join = pathFunction('join');
export const resolve = pathFunction('resolve');
