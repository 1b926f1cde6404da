// The node:fs/promises functions of the modules the browser entry reaches; see node-builtins.ts.
import { lazyFunction } from './node-builtins.js';

export type { FileHandle } from 'node:fs/promises';
export const mkdir = lazyFunction('node:fs/promises', 'mkdir');
export const open = lazyFunction('node:fs/promises', 'open');
export const readFile = lazyFunction('node:fs/promises', 'readFile');
export const readdir = lazyFunction('node:fs/promises', 'readdir');
export const rename = lazyFunction('node:fs/promises', 'rename');
export const unlink = lazyFunction('node:fs/promises', 'unlink');
