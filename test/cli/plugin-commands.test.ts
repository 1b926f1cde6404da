// Plugin commands are convergent's own shape (src/plugins/types.ts); cli/plugin-commands.ts adapts
// them to yargs. A plugin author never sees yargs: the handler gets exactly the declared arguments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { commandSyntax, toYargsCommand } from '../../cli/plugin-commands.js';
import type { CommandArgs, PluginCommand } from '../../src/plugins/types.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { convergent, exampleRun } from './helpers.js';

function greet(seen: CommandArgs[]): PluginCommand {
  return {
    name: 'greet',
    describe: 'says hello',
    positionals: { who: { type: 'string', describe: 'whom', required: true }, more: { type: 'string', describe: 'others', array: true } },
    options: { times: { type: 'number', default: 1, describe: 'how often' }, loud: { type: 'boolean', describe: 'shout' } },
    handler: (args) => {
      seen.push(args);
    },
  };
}

async function parse(command: PluginCommand, argv: string[]): Promise<void> {
  await yargs(argv).command(toYargsCommand(command, new Set(['probe']))).strict().fail((message, error) => {
    throw error ?? new Error(message);
  }).parseAsync();
}

describe('plugin commands on the command line', () => {
  it('are written as yargs command syntax: required <a>, optional [b], repeatable [c..]', () => {
    expect(commandSyntax(greet([]))).toBe('greet <who> [more..]');
    expect(commandSyntax({ name: 'plain', describe: '', handler() {} })).toBe('plain');
  });

  it('hand the handler its declared positionals and options, by name, and nothing else', async () => {
    const seen: CommandArgs[] = [];
    await parse(greet(seen), ['greet', 'ann', 'bob', 'cy', '--times', '3', '--loud']);
    expect(seen).toEqual([{ who: 'ann', more: ['bob', 'cy'], times: 3, loud: true }]);
    await parse(greet(seen), ['greet', 'ann']);
    expect(seen[1]).toEqual({ who: 'ann', more: [], times: 1, loud: undefined });
  });

  it('refuse a missing required positional and an unknown flag', async () => {
    await expect(parse(greet([]), ['greet'])).rejects.toThrow(/Not enough non-option arguments|who/);
    await expect(parse(greet([]), ['greet', 'ann', '--tims', '2'])).rejects.toThrow(/tims/);
  });

  it('may not hide a built-in command', () => {
    expect(() => toYargsCommand({ name: 'probe', describe: '', handler() {} }, new Set(['probe']))).toThrow(/plugin command "probe" would hide the built-in command/);
  });

  it('are checked when the plugin is added, naming the plugin, the command and the field', () => {
    const r = new PluginRegistry();
    const add = (command: unknown) => r.add({ meta: { name: 'p', version: '1' }, commands: [command] } as never, 'p.mjs');
    expect(() => add({ name: 'Bad Name', describe: '', handler() {} })).toThrow(/p.mjs: plugin p: a command's "name" must be lower-case/);
    expect(() => add({ name: 'ok', describe: '' })).toThrow(/command ok needs a handler/);
    expect(() => add({ name: 'ok', handler() {} })).toThrow(/command ok needs "describe"/);
    expect(() => add({ name: 'ok', describe: '', handler() {}, options: { n: { type: 'int', describe: '' } } })).toThrow(/command ok, option --n: "type" must be one of string, number, boolean/);
    expect(() => add({ command: 'old <x>', describe: '', handler() {} })).toThrow(/looks like a yargs command module; convergent commands are \{ name, describe/);
  });
});

describe("the example plugin's command", () => {
  it('prints the counts its method writes, straight from the probed run through the public API', () => {
    const run = exampleRun();
    const printed = convergent(['count-above', run, '--plugin', 'examples/threshold-plugin.mjs', '--threshold', '0.8']);
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    const aligned = convergent(['align', run, '--plugin', 'examples/threshold-plugin.mjs', '--method', 'count-above', '--count-above.threshold', '0.8', '--backend', 'wasm', '--quiet', '--format', 'json']);
    expect(aligned.code).toBe(0);
    const rows = JSON.parse(readFileSync(join(run, 'tables', 'count_above.json'), 'utf8')) as { layer: string; net_a: string; net_b: string; count_above: number; count_above_ba: number }[];
    expect(rows.length).toBe(2);
    const lines = printed.stdout.trim().split('\n');
    expect(lines).toEqual(rows.map((r) => expect.stringMatching(new RegExp(`^${r.layer} ${r.net_a}-${r.net_b}: ${r.count_above} of \\d+ and ${r.count_above_ba} of \\d+ units above 0.8$`))));
  });
});
