// What every command needs: the registry of methods/reducers/commands (built-ins plus plugins),
// shared options, and small helpers for output.
import { cpus } from 'node:os';
import type { Argv } from 'yargs';
import { createBackend } from '../src/backend/select.js';
import type { Backend, BackendRequest } from '../src/backend/types.js';
import type { PluginRegistry } from '../src/plugins/registry.js';
import { TABLE_FORMATS } from '../src/tables/write.js';

export interface CliContext {
  registry: PluginRegistry;
  /** The command line as typed, for the run manifest. */
  commandLine: string;
}

export function withBackendOptions<T>(y: Argv<T>) {
  return y
    .option('backend', { choices: ['auto', 'webgpu', 'wasm', 'reference'] as const, default: 'auto' as const, describe: 'where kernels run: auto = a real GPU if present, else WASM SIMD' })
    .option('threads', { type: 'number', describe: 'CPU threads for the wasm backend (default: all cores)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress bars' });
}

export function withAlignOptions<T>(y: Argv<T>, ctx: CliContext) {
  return y
    .option('method', { type: 'string', array: true, default: ['semi', 'bipartite'], describe: `methods to run (${ctx.registry.methods.names().join(', ')}); method options as --<method>.<option> VALUE` })
    .option('format', { choices: TABLE_FORMATS, default: 'csv' as const, describe: 'table format' });
}

export async function openBackend(argv: { backend: string; threads?: number }): Promise<Backend> {
  const backend = await createBackend(argv.backend as BackendRequest, { threads: argv.threads, cpuName: cpus()[0]?.model?.trim() });
  process.stderr.write(`convergent: backend ${backend.description}\n`);
  return backend;
}

/** Parses repeated --net NAME=PATH values. */
export function parseNets(values: string[] | undefined): { name: string; path: string }[] {
  return (values ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new Error(`--net expects NAME=PATH, got "${spec}"`);
    return { name: spec.slice(0, eq), path: spec.slice(eq + 1) };
  });
}

/** `--count-above.threshold 0.7` arrives from yargs as argv['count-above'] = { threshold: 0.7 }. */
export function collectMethodOptions(argv: Record<string, unknown>, methods: string[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of methods) {
    const value = argv[name];
    if (value && typeof value === 'object' && !Array.isArray(value)) out[name] = withoutCamelAliases(value as Record<string, unknown>);
  }
  return out;
}

/** yargs adds `zeroThreshold` beside `zero-threshold` (also inside `--mi.zero-threshold`); keep the option's own spelling only. */
function withoutCamelAliases(options: Record<string, unknown>): Record<string, unknown> {
  const camel = (key: string) => key.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase());
  const aliases = new Set(Object.keys(options).filter((k) => k.includes('-')).map(camel));
  return Object.fromEntries(Object.entries(options).filter(([k]) => !aliases.has(k)));
}
