// Method and reducer options, `--<name>.<option> VALUE`, are declared by whatever plugins are
// loaded, so yargs cannot know them when it builds the commands (and its strict mode rejects dotted
// flags even when declared). They are taken out of the command line before yargs sees it, checked
// against the declarations here (unknown name or option, wrong type: refused, naming the flag),
// and later checked against what actually runs (an option of a method that does not run: refused).
import type { MethodOption } from '../src/align/methods/types.js';
import type { PluginRegistry } from '../src/plugins/registry.js';

export interface DottedOption {
  /** The method or reducer the option belongs to. */
  owner: string;
  kind: 'method' | 'reducer';
  key: string;
  value: number | string | boolean;
  /** As typed, for messages: `--mi.bins`. */
  flag: string;
}

const DOTTED = /^--(no-)?([a-z][a-z0-9-]*)\.([A-Za-z0-9][A-Za-z0-9-]*)(?:=([\s\S]*))?$/;

function declaredOptions(registry: PluginRegistry, owner: string, flag: string): Record<string, MethodOption> {
  if (registry.methods.has(owner)) return registry.methods.get(owner).options ?? {};
  const reducer = registry.reducers.get(owner);
  if (reducer) return reducer.reducer.options ?? {};
  throw new Error(`unknown option ${flag}: no method or reducer is named "${owner}" (see \`convergent methods\`)`);
}

function typedValue(spec: MethodOption, raw: string, flag: string): number | string | boolean {
  if (spec.type === 'number') {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n)) throw new Error(`${flag} expects a number, got "${raw}"`);
    return n;
  }
  if (spec.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new Error(`${flag} is a switch: give it alone, or as ${flag}=true / ${flag}=false, got "${raw}"`);
    return raw === 'true';
  }
  return raw;
}

/** Splits the dotted options off the command line; the rest goes to yargs. */
export function extractDottedOptions(args: string[], registry: PluginRegistry): { rest: string[]; options: DottedOption[] } {
  const rest: string[] = [];
  const options: DottedOption[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const m = DOTTED.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const [, negated, owner, key, inline] = m;
    const flag = `--${owner}.${key}`;
    const declared = declaredOptions(registry, owner, flag);
    const spec = declared[key];
    if (!spec) {
      const names = Object.keys(declared);
      throw new Error(`unknown option ${flag}: ${owner} has ${names.length > 0 ? `the options ${names.map((n) => `--${owner}.${n}`).join(', ')}` : 'no options'}`);
    }
    let value: number | string | boolean;
    if (negated) {
      if (spec.type !== 'boolean' || inline !== undefined) throw new Error(`--no-${owner}.${key}: only a switch can be negated`);
      value = false;
    } else if (inline !== undefined) value = typedValue(spec, inline, flag);
    else if (spec.type === 'boolean') {
      // A switch takes a following true/false, nothing else (the next word may be a positional).
      const next = args[i + 1];
      value = next === 'true' || next === 'false' ? typedValue(spec, args[++i], flag) : true;
    } else {
      if (i + 1 >= args.length) throw new Error(`${flag} needs a value`);
      value = typedValue(spec, args[++i], flag);
    }
    if (options.some((o) => o.owner === owner && o.key === key)) throw new Error(`${flag} is given twice`);
    options.push({ owner, kind: registry.methods.has(owner) ? 'method' : 'reducer', key, value, flag });
  }
  return { rest, options };
}

/**
 * The options given for each of `owners` (methods or reducers that run), by owner. An option
 * given for anything else is refused: it would otherwise be ignored without a word.
 */
export function optionsFor(given: DottedOption[], owners: { methods?: string[]; reducers?: string[] }, command: string): Record<string, Record<string, unknown>> {
  const running = new Set([...(owners.methods ?? []), ...(owners.reducers ?? [])]);
  const out: Record<string, Record<string, unknown>> = {};
  for (const option of given) {
    if (!running.has(option.owner)) {
      const what = (owners.methods ?? []).length + (owners.reducers ?? []).length === 0 ? `\`${command}\` runs no methods or reducers` : `${option.owner} does not run here (running: ${[...running].join(', ')})`;
      const hint = option.kind === 'method' && owners.methods ? `; add --method ${option.owner}` : option.kind === 'reducer' && owners.reducers ? `; add --reducer ${option.owner}` : '';
      throw new Error(`${option.flag} is given but ${what}${hint}`);
    }
    (out[option.owner] ??= {})[option.key] = option.value;
  }
  return out;
}
