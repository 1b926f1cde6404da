// Node's built-in modules for code that the browser entry (`convergent`) reaches but that only
// does its work on a file system: run-directory paths, snapshot and .npy reads and writes, atomic
// writes. Such modules import node:fs, node:fs/promises and node:path through node-fs.ts,
// node-fs-promises.ts and node-path.ts, whose functions look the built-in up when called, through
// process.getBuiltinModule (Node >= 20.16, Deno 2), never by a static `node:` import. A bundler
// for the browser therefore includes no Node module; in a browser, importing these modules is
// harmless and calling one of their file functions is an error that says why.

interface NodeBuiltins {
  'node:fs': typeof import('node:fs');
  'node:fs/promises': typeof import('node:fs/promises');
  'node:path': typeof import('node:path');
}

type BuiltinLookup = (id: string) => object | undefined;

/** Whether this platform gives Node's built-in modules (Node >= 20.16, Deno 2). */
export function hasNodeBuiltins(): boolean {
  return typeof (globalThis as { process?: { getBuiltinModule?: BuiltinLookup } }).process?.getBuiltinModule === 'function';
}

/** The built-in module `id`, or an error naming it where the platform has no Node built-ins. */
export function nodeBuiltin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] {
  const lookup = (globalThis as { process?: { getBuiltinModule?: BuiltinLookup } }).process?.getBuiltinModule;
  const found = typeof lookup === 'function' ? lookup(id) : undefined;
  if (found === undefined) {
    throw new Error(
      `convergent: this reads or writes files through ${id}, which this platform does not have ` +
        `(a browser, or Node older than 20.16); in a browser, use the in-memory functions of 'convergent'`,
    );
  }
  return found as NodeBuiltins[K];
}

/** `module`'s function `name`, looked up on each call (so not at import time). */
export function lazyFunction<K extends keyof NodeBuiltins, F extends keyof NodeBuiltins[K]>(id: K, name: F): NodeBuiltins[K][F] {
  return ((...args: unknown[]) => (nodeBuiltin(id)[name] as (...a: unknown[]) => unknown)(...args)) as NodeBuiltins[K][F];
}
