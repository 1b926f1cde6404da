// What every command needs: the registry of methods/reducers/commands (built-ins plus plugins),
// shared options, and small helpers for output.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Argv } from 'yargs';
import { BACKEND_REQUESTS, backendRequest, createBackend } from '../src/backend/select.js';
import type { Backend } from '../src/backend/types.js';
import { DEFAULT_METHODS } from '../src/align/methods/builtin/index.js';
import type { PluginRegistry } from '../src/plugins/registry.js';
import { selectMethods as selectRunMethods } from '../src/align/method-selection.js';
import { validateNetNames } from '../src/probe/probe.js';
import { TABLE_FORMATS } from '../src/tables/write.js';
import { MAX_THREADS, integerOption } from './flags.js';
import type { DottedOption } from './method-options.js';
import { info } from './output.js';

export interface CliContext {
  registry: PluginRegistry;
  /** The command line as typed, for the run manifest. */
  commandLine: string;
  /** The `--<method>.<option>` / `--<reducer>.<option>` flags, taken off the command line before yargs. */
  methodOptions: DottedOption[];
}

/** The methods that run unless --only-methods is given. */
export { DEFAULT_METHODS };

export function withBackendOptions<T>(y: Argv<T>) {
  return y
    .option('backend', { choices: BACKEND_REQUESTS, default: 'auto' as const, describe: 'where kernels run: auto = a real GPU if present, else WASM SIMD' })
    .option('threads', integerOption('threads', `CPU threads for the wasm backend, 1..${MAX_THREADS} (default: all cores)`, 1, MAX_THREADS));
}

export function withAlignOptions<T>(y: Argv<T>, ctx: CliContext) {
  return y
    .option('method', {
      type: 'string',
      array: true,
      requiresArg: true,
      default: [] as string[],
      defaultDescription: 'none',
      describe: `methods to run besides ${DEFAULT_METHODS.join(' and ')} (repeatable; ${ctx.registry.methods.names().join(', ')}); method options as --<method>.<option> VALUE`,
    })
    .option('only-methods', { type: 'boolean', default: false, describe: `run only the --method ones, not ${DEFAULT_METHODS.join(' and ')} as well` })
    .option('format', { choices: TABLE_FORMATS, default: 'csv' as const, describe: 'table format' });
}

/** The methods --method and --only-methods choose (src/align/method-selection.ts), refused by name before any work. */
export function selectMethods(argv: { method?: string[]; 'only-methods'?: boolean }, ctx: CliContext): string[] {
  return selectRunMethods(ctx.registry, argv.method, argv['only-methods']);
}

/** The backend of --backend and --threads; call it once the inputs are checked (it may open a device). */
export async function openBackend(argv: { backend: string; threads?: number }): Promise<Backend> {
  const backend = await createBackend(backendRequest(argv.backend), { threads: argv.threads, cpuName: cpus()[0]?.model?.trim() });
  info(`backend ${backend.description}`);
  return backend;
}

/** Parses repeated --net NAME=PATH values; the names are checked here (format, each once), before any file is read. */
export function parseNets(values: string[] | undefined): { name: string; path: string }[] {
  const nets = (values ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new Error(`--net expects NAME=PATH, got "${spec}"`);
    return { name: spec.slice(0, eq), path: spec.slice(eq + 1) };
  });
  validateNetNames(nets);
  return nets;
}

/** The nets' files and the --data source exist: checked before a device is opened (typos are the usual cause). */
export function checkInputsExist(nets: { name: string; path: string }[], data?: string): void {
  for (const net of nets) if (!existsSync(net.path)) throw new Error(`--net ${net.name}=${net.path}: no such file or directory`);
  if (data !== undefined && data !== 'mnist' && !existsSync(data)) throw new Error(`--data ${data}: no such file or directory`);
}
