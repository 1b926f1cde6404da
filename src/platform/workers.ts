// Starting worker threads the same way in Node (node:worker_threads, reached by a dynamic import
// of a variable specifier, so bundlers for the browser leave it alone), Deno and browsers (the
// global `Worker`). Where neither exists, startWorkers resolves to undefined and the caller stays
// on one thread. The three pools (moments: src/kernels/moments/worker-pool.ts, forward passes:
// src/forward/wasm/parallel.ts, training: src/train/worker-pool.ts) keep their own protocols;
// only the starting lives here.
//
// What a worker runs: an inline script (its text, built per platform since a Node worker talks
// through parentPort and a web worker through `self`), evaluated with `eval: true` in Node and
// loaded from a Blob URL elsewhere; or a module file's URL. Web workers are always module
// workers: Deno supports no others.

/** A started worker, whatever the platform; P: the messages it is posted. */
export interface WorkerHandle<P = unknown> {
  post(message: P, transfer: Transferable[]): void;
  /** Node: whether an idle worker may let the process exit (no-ops elsewhere). */
  ref(): void;
  unref(): void;
  terminate(): Promise<unknown> | void;
}

export type WorkerPlatform = 'node' | 'web';

/** An inline script (its text for the platform), or the URL of a module file. */
export type WorkerSource = { script: (platform: WorkerPlatform) => string } | { url: () => URL | Promise<URL> };

export interface StartWorkersOptions<M> {
  count: number;
  source: WorkerSource;
  /** A worker's message. */
  onMessage(index: number, message: M): void;
  /** A worker's error: Node's 'error' event, or a web worker's failure to load or run. */
  onError(index: number, error: Error): void;
  /** Node: the worker exited (web workers report no exit). */
  onExit(index: number, code: number): void;
  /** Node: unref every worker as it starts, so that idle workers do not keep the process alive. */
  unref?: boolean;
  /** Web: the workers' names (shown by developer tools). */
  name?: (index: number) => string;
}

/**
 * The opening of an inline worker script for `platform`: strict mode, and `listen(f)` (f gets
 * each message's data) and `reply(message, transfer?)` over Node's parentPort or the web's `self`.
 */
export function inlineWorkerPrelude(platform: WorkerPlatform): string {
  const port =
    platform === 'node'
      ? `const port = require('node:worker_threads').parentPort;
const listen = (f) => port.on('message', f);
const reply = (m, t) => port.postMessage(m, t || []);`
      : `const listen = (f) => { self.onmessage = (e) => f(e.data); };
const reply = (m, t) => self.postMessage(m, t || []);`;
  return `'use strict';\n${port}\n`;
}

export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.Deno === undefined;
}

// Specifiers in variables: bundlers for the browser leave them alone, and no static `node:` import.
const NODE_OS = 'node:os';
const NODE_FS = 'node:fs';
const NODE_WORKER_THREADS = 'node:worker_threads';

/** Logical CPU cores: navigator.hardwareConcurrency where it exists, else os.availableParallelism(). */
export async function hardwareConcurrency(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav && typeof nav.hardwareConcurrency === 'number' && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  if (isNode()) {
    try {
      const os = (await import(NODE_OS)) as { availableParallelism?: () => number; cpus(): unknown[] };
      return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
    } catch {
      // fall through
    }
  }
  return 1;
}

/**
 * The timer no longer keeps the process alive: Deno's timers are Node's Timeout objects (unref())
 * in Deno 2.9, numbers in older releases (Deno.unrefTimer); browsers have no such notion.
 */
function unrefTimer(timer: ReturnType<typeof setTimeout> | number): void {
  if (typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function') {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === 'number') deno?.unrefTimer?.(timer);
}

/**
 * Starts `count` workers, or resolves to undefined where the platform has none (or a web worker
 * cannot be constructed). M: the messages they post back; P: the messages they are posted.
 */
export async function startWorkers<M, P = unknown>(options: StartWorkersOptions<M>): Promise<WorkerHandle<P>[] | undefined> {
  const { count, source, onMessage, onError, onExit } = options;
  if (isNode()) {
    let wt: typeof import('node:worker_threads');
    try {
      wt = (await import(NODE_WORKER_THREADS)) as typeof import('node:worker_threads');
    } catch {
      return undefined;
    }
    const script = 'script' in source ? source.script('node') : undefined;
    const url = 'url' in source ? await source.url() : undefined;
    return Array.from({ length: count }, (_, index) => {
      const w = script !== undefined ? new wt.Worker(script, { eval: true }) : new wt.Worker(url!);
      w.on('message', (m: M) => onMessage(index, m));
      w.on('error', (e) => onError(index, e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => onExit(index, code));
      if (options.unref) w.unref();
      return { post: (m, t) => w.postMessage(m, t as never), ref: () => w.ref(), unref: () => w.unref(), terminate: () => w.terminate() };
    });
  }
  const G = globalThis as {
    Worker?: new (url: string | URL, options: { type: 'module'; name?: string }) => Worker;
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (typeof G.Worker !== 'function') return undefined;
  let url: string | URL;
  let revoke: (() => void) | undefined;
  if ('script' in source) {
    if (typeof G.Blob !== 'function' || typeof G.URL?.createObjectURL !== 'function') return undefined;
    const blobUrl = G.URL.createObjectURL(new G.Blob([source.script('web')], { type: 'text/javascript' }));
    url = blobUrl;
    revoke = () => G.URL!.revokeObjectURL(blobUrl);
  } else {
    url = await source.url();
  }
  const started: Worker[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const w = new G.Worker(url, { type: 'module', ...(options.name ? { name: options.name(index) } : {}) });
      started.push(w);
      w.onmessage = (e: MessageEvent<M>) => onMessage(index, e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault?.();
        onError(index, new Error(e.message || 'failed to load or run'));
      };
    }
  } catch {
    for (const w of started) w.terminate();
    return undefined;
  } finally {
    // Workers have fetched (or will fetch) the script before the URL goes; revoke a little later.
    // In Deno a pending timer keeps the process alive: unref'd, it cannot hold up the exit 10 s.
    if (revoke) unrefTimer(setTimeout(revoke, 10_000));
  }
  return started.map((w) => ({ post: (m, t) => w.postMessage(m, t), ref() {}, unref() {}, terminate: () => w.terminate() }));
}

export interface SiblingWorkerOptions {
  /** Outside Node (Deno runs TypeScript workers), from sources: the TypeScript sibling itself. */
  typescriptOutsideNode?: boolean;
  /** Appended to the missing-worker error, e.g. " (or pass threads: 1)". */
  hint?: string;
}

/**
 * The URL of the worker module `worker` (e.g. './worker.js') that sits beside the module whose
 * import.meta.url is `here`. From the compiled tree, that sibling. From the TypeScript sources
 * (vitest), Node cannot start a TypeScript worker, so the compiled tree's copy in the same folder
 * under dist/src/ is used, refused, naming `what` and the file, when it was not built.
 */
export async function siblingWorkerUrl(here: string, worker: string, what: string, options: SiblingWorkerOptions = {}): Promise<URL> {
  if (!/\.ts$/.test(new URL(here).pathname)) return new URL(worker, here);
  if (options.typescriptOutsideNode && !isNode()) return new URL(worker.replace(/\.js$/, '.ts'), here);
  // The last /src/ is the package's own (a checkout may live under another folder named src).
  const at = here.lastIndexOf('/src/');
  const compiled = at < 0 ? new URL(here) : new URL(worker, `${here.slice(0, at)}/dist${here.slice(at)}`);
  const fs = (await import(NODE_FS)) as typeof import('node:fs');
  if (compiled.href === here || !fs.existsSync(compiled)) {
    throw new Error(`${what}: running from TypeScript sources (${here}) and Node cannot run a TypeScript worker; its compiled form ${compiled.pathname} is missing: run \`npm run build:ts\`${options.hint ?? ''}`);
  }
  return compiled;
}
