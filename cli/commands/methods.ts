// `convergent methods`: what can be passed to --method, and where each comes from.
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.js';

export function methodsCommand(ctx: CliContext): CommandModule<object, object> {
  return {
    command: 'methods',
    describe: 'list the registered methods (built-in and from plugins) and reducers',
    handler: () => {
      for (const m of ctx.registry.methods.list()) {
        process.stdout.write(`${m.name.padEnd(20)} ${m.description}  [${m.origin}]\n`);
        for (const [key, spec] of Object.entries(ctx.registry.methods.get(m.name).options ?? {})) {
          process.stdout.write(`${''.padEnd(22)}--${m.name}.${key} (${spec.type}, default ${String(spec.default)}): ${spec.describe}\n`);
        }
      }
      for (const [name, { reducer, origin }] of ctx.registry.reducers) process.stdout.write(`reducer ${name.padEnd(12)} ${reducer.description}  [${origin}]\n`);
    },
  };
}
