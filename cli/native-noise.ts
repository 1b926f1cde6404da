// The native WebGPU library (Dawn) writes warnings from C++ straight to file descriptor 2: a
// Vulkan loader that finds no driver, limits "artificially reduced" on OpenGL. JavaScript cannot
// intercept those writes in its own process, so a command that may load the library runs as a
// child process whose stderr passes through NativeNoiseFilter: the library's lines are dropped,
// everything else (status lines, progress bars, errors) passes on at once. `--verbose` runs the
// command in this process instead, messages and all. A machine where auto finds no GPU device
// node never loads the library (src/backend/select.ts) and needs no child, and neither does a
// runtime with its own `navigator.gpu` (Deno): the platform shim takes that and never loads Dawn.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gpuDeviceNodesPresent } from '../src/platform/webgpu.js';
import { argValues } from './args.js';
import { DEVICE_COMMANDS } from './builtin-commands.js';
import { writeTo } from './output.js';

/** Set in the child: the filter is in place (and whether the parent's stderr is a terminal). */
const CHILD_ENV = 'CONVERGENT_STDERR_FILTERED';
const COLUMNS_ENV = 'CONVERGENT_STDERR_COLUMNS';

/** Whether this command line may load the native library and so should run behind the filter. */
export function needsNativeFilter(args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[CHILD_ENV] !== undefined || args.includes('--verbose') || args.includes('--help')) return false;
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return false;
  const command = args.find((a) => !a.startsWith('-'));
  if (!command || !DEVICE_COMMANDS.has(command)) return false;
  const backend = argValues(args, 'backend').at(-1) ?? 'auto'; // as yargs reads it: the last one wins
  if (backend === 'webgpu') return true;
  return backend === 'auto' && gpuDeviceNodesPresent() !== false;
}

/** In the child: progress bars draw as on the parent's terminal (they reach it through the filter). */
export function adoptParentTerminal(env: NodeJS.ProcessEnv = process.env): void {
  if (env[CHILD_ENV] !== 'tty') return;
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  stderr.isTTY = true;
  stderr.columns = Number(env[COLUMNS_ENV]) || 80;
}

/** Runs this CLI again as a child with its stderr filtered; resolves to the exit code to use. */
export function runBehindFilter(args: string[]): Promise<number> {
  const script = fileURLToPath(new URL('./main.js', import.meta.url));
  const tty = Boolean(process.stderr.isTTY);
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, [CHILD_ENV]: tty ? 'tty' : 'pipe', [COLUMNS_ENV]: String(process.stderr.columns ?? '') },
  });
  const filter = new NativeNoiseFilter((text) => writeTo(process.stderr, text));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => filter.push(chunk));
  // Ctrl-C reaches the child too (same process group): let it stop cleanly and report its exit.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      filter.end();
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}

/** Line starts of the library's messages: `Warning: ...`, then `    at operator() (.../File.cpp:368)`. */
const NOISE_STARTS = ['Warning: ', '    at '];
const SOURCE_LINE = /^ {4}at .*\.(cpp|cc|h|mm):\d+\)?\s*$/;

/**
 * Drops the native library's lines from a text stream and passes the rest on as it comes: a
 * partial line is held back only while it could still be the start of such a line.
 */
export class NativeNoiseFilter {
  private held = '';
  /** Inside a line already passed on (e.g. a progress bar redrawn with \r): pass until its end. */
  private passing = false;
  private droppedLast = false;

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    let rest = chunk;
    while (rest.length > 0) {
      const newline = rest.indexOf('\n');
      if (this.passing) {
        const upto = newline < 0 ? rest.length : newline + 1;
        this.write(rest.slice(0, upto));
        rest = rest.slice(upto);
        if (newline >= 0) this.passing = false;
        continue;
      }
      if (newline < 0) {
        this.held += rest;
        rest = '';
        if (!NOISE_STARTS.some((p) => p.startsWith(this.held) || this.held.startsWith(p))) {
          this.write(this.held);
          this.held = '';
          this.passing = true;
          this.droppedLast = false;
        }
        continue;
      }
      this.line(this.held + rest.slice(0, newline));
      this.held = '';
      rest = rest.slice(newline + 1);
    }
  }

  /** The stream ended: what is held back was not a message of the library after all. */
  end(): void {
    if (this.held) this.write(this.held);
    this.held = '';
  }

  private line(text: string): void {
    const noise = text.startsWith('Warning: ') || SOURCE_LINE.test(text) || (text === '' && this.droppedLast);
    this.droppedLast = noise && text !== '';
    if (!noise) this.write(`${text}\n`);
  }
}
