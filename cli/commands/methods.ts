// `convergent methods`: what can be passed to --method, and where each comes from.
import type { CommandModule } from 'yargs';
import type { MethodOption } from '../../src/align/methods/types.js';
import type { CliContext } from '../context.js';
import { DEFAULT_METHODS } from '../context.js';
import { print } from '../output.js';

/** One option as `--owner.key VALUE  what it does (default X)`; a switch takes no value. */
export function formatOption(owner: string, key: string, spec: MethodOption): string {
  const flag = spec.type === 'boolean' ? `--${owner}.${key}` : `--${owner}.${key} ${spec.type === 'number' ? 'NUMBER' : 'TEXT'}`;
  const fallback = spec.default === undefined ? '' : spec.type === 'boolean' ? ` (default ${spec.default ? 'on' : 'off'})` : ` (default ${String(spec.default)})`;
  return `    ${flag}\n        ${spec.describe}${fallback}\n`;
}

export function methodsCommand(ctx: CliContext): CommandModule<object, object> {
  return {
    command: 'methods',
    describe: 'list the registered methods (built-in and from plugins) and reducers, with their options',
    handler: () => {
      print(`Methods (${DEFAULT_METHODS.join(' and ')} run by default; add others with --method NAME):\n\n`);
      for (const m of ctx.registry.methods.list()) {
        print(`${m.name.padEnd(20)} ${m.description}  [${m.origin.endsWith('(built-in)') ? 'built-in' : m.origin}]\n`);
        for (const [key, spec] of Object.entries(ctx.registry.methods.get(m.name).options ?? {})) print(formatOption(m.name, key, spec));
      }
      if (ctx.registry.reducers.size > 0) print('\nReducers (probe --reducer NAME):\n\n');
      for (const [name, { reducer, origin }] of ctx.registry.reducers) {
        print(`${name.padEnd(20)} ${reducer.description}  [${origin}]\n`);
        for (const [key, spec] of Object.entries(reducer.options ?? {})) print(formatOption(name, key, spec));
      }
    },
  };
}
