// Built-in commands are declared with defineCommand: the handler's argv has the type yargs infers
// from the builder's options (names, choices, coerced values), so a flag renamed in one place and
// not the other fails to compile instead of arriving as undefined.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

export interface CommandSpec<U> {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<U>;
  handler: (argv: ArgumentsCamelCase<U>) => void | Promise<void>;
}

export function defineCommand<U>(spec: CommandSpec<U>): CommandModule<object, U> {
  return spec;
}
