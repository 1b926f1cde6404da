// The node:fs functions of the modules the browser entry reaches; see node-builtins.ts.
import { lazyFunction } from './node-builtins.js';

export const closeSync = lazyFunction('node:fs', 'closeSync');
export const existsSync = lazyFunction('node:fs', 'existsSync');
export const fsyncSync = lazyFunction('node:fs', 'fsyncSync');
export const mkdirSync = lazyFunction('node:fs', 'mkdirSync');
export const openSync = lazyFunction('node:fs', 'openSync');
export const renameSync = lazyFunction('node:fs', 'renameSync');
export const rmSync = lazyFunction('node:fs', 'rmSync');
export const unlinkSync = lazyFunction('node:fs', 'unlinkSync');
export const writeSync = lazyFunction('node:fs', 'writeSync');
