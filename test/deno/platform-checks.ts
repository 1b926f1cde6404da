// Where the Node-only assumptions were, checked inside Deno (run by test/deno/platform.test.ts;
// by hand: `npx deno run -A test/deno/platform-checks.ts`). Prints one JSON line:
// - nativeFilter: whether cli/main.ts would re-run a WebGPU command as a child behind the Dawn
//   noise filter; Deno has its own navigator.gpu and never loads Dawn, so it must not.
// - heldTimers: long timers left by startWorkers (src/platform/workers.ts) that would keep Deno
//   alive after the work is done (a revoke of the workers' Blob URL once held it 10 s).
// - doubled: what the started worker replied, so that the pool is known to have run.
import { needsNativeFilter } from '../../dist/cli/native-noise.js';
import { inlineWorkerPrelude, startWorkers } from '../../dist/src/platform/workers.js';

const nativeFilter = needsNativeFilter(['run', '--example', '--backend', 'webgpu'], {});

// Timers of a second or more that still hold the process: Deno's timers are Node's Timeout
// objects (hasRef) since Deno 2.x; numbers in older versions, released by Deno.unrefTimer.
const long: (number | { hasRef(): boolean })[] = [];
const unrefd = new Set<number>();
const setTimeoutBefore = globalThis.setTimeout;
const unrefBefore = Deno.unrefTimer;
globalThis.setTimeout = ((fn: () => void, ms?: number) => {
  const timer = setTimeoutBefore(fn, ms);
  if ((ms ?? 0) >= 1000) long.push(timer as unknown as number | { hasRef(): boolean });
  return timer;
}) as typeof setTimeout;
Deno.unrefTimer = ((id: number) => {
  unrefd.add(id);
  unrefBefore(id);
}) as typeof Deno.unrefTimer;
const heldTimers = () => long.filter((t) => (typeof t === 'number' ? !unrefd.has(t) : t.hasRef())).length;

let reply: (value: number) => void = () => {};
const replied = new Promise<number>((resolve) => (reply = resolve));
const workers = await startWorkers({
  count: 1,
  source: { script: (platform: 'node' | 'web') => `${inlineWorkerPrelude(platform)}listen((n) => reply(2 * n));\n` },
  onMessage: (_index: number, message: number) => reply(message),
  onError: (_index: number, error: Error) => {
    throw error;
  },
  onExit: () => {},
});
if (!workers) throw new Error('startWorkers started no worker in Deno');
workers[0].post(21, []);
const doubled = await replied;
for (const w of workers) await w.terminate();

console.log(JSON.stringify({ nativeFilter, heldTimers: heldTimers(), longTimers: long.length, doubled }));
