// A command that runs other convergent commands later, elsewhere (`slurm` writes job scripts),
// hands each of them the flags it was given. Which flags a command takes is read from the
// command's own builder, so a flag added to `probe` or `align` reaches their jobs without a list
// here to keep in step.
import yargs, { type Argv, type CommandModule } from 'yargs';

interface DeclaredFlags {
  names: string[];
  defaults: Record<string, unknown>;
}

/** yargs keeps every declared option; its types do not show `getOptions`, which says so. */
interface OptionsView {
  getOptions(): { key: Record<string, unknown>; default: Record<string, unknown> };
}

/** The flags a command's builder declares, and their defaults (yargs' own --help and --version left out). */
export function declaredFlags(command: CommandModule<object, any>): DeclaredFlags {
  const builder = command.builder;
  if (typeof builder !== 'function') throw new Error(`command ${String(command.command)}: its options are not declared by a builder function`);
  const options = ((builder as (y: Argv) => Argv<unknown>)(yargs([])) as unknown as OptionsView).getOptions();
  return { names: Object.keys(options.key).filter((name) => name !== 'help' && name !== 'version'), defaults: options.default };
}

/**
 * The flags of `declared` that `argv` sets to other than their default, as words that yargs reads
 * back to the same values: `--name=value` (a value starting with '-' stays a value), one word per
 * element of a list, `--name` / `--no-name` for switches. `skip`: flags the caller sets itself.
 */
export function forwardedFlags(argv: Record<string, unknown>, declared: DeclaredFlags, skip: string[] = []): string[] {
  const words: string[] = [];
  for (const name of declared.names) {
    const value = argv[name];
    if (skip.includes(name) || value === undefined || sameValue(value, declared.defaults[name])) continue;
    words.push(...flagWords(name, value));
  }
  return words;
}

function flagWords(name: string, value: unknown): string[] {
  if (typeof value === 'boolean') return [value ? `--${name}` : `--no-${name}`];
  if (Array.isArray(value)) return value.flatMap((v) => flagWords(name, v));
  if (typeof value === 'string' || typeof value === 'number') return [`--${name}=${value}`];
  throw new Error(`--${name}: its value (${JSON.stringify(value)}) cannot be written on a command line`);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** `--<owner>.<key>=<value>` for every method or reducer option (cli/method-options.ts reads them back). */
export function dottedFlags(options: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(options).flatMap(([owner, values]) => Object.entries(values).map(([key, value]) => `--${owner}.${key}=${String(value)}`));
}
