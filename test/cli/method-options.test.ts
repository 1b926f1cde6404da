// Issue 10, item 12: `--<method>.<option>` flags are declared by plugins, so they are read here
// against the registry: typed by their declaration, refused when unknown, and refused when the
// method they belong to does not run.
import { describe, expect, it } from 'vitest';
import { extractDottedOptions, optionsFor } from '../../cli/method-options.js';
import { builtinPlugin } from '../../src/align/methods/builtin/index.js';
import { PluginRegistry } from '../../src/plugins/registry.js';

const registry = new PluginRegistry();
registry.add(builtinPlugin, 'built-in');

describe('extractDottedOptions', () => {
  it('takes the dotted flags off, typed by their declarations; the rest goes to yargs', () => {
    const { rest, options } = extractDottedOptions(
      ['align', '--mi.miller-madow', 'runs/x', '--spectral.k', '4', '--sparse-prediction.alphas=0,0.1', '--no-sparse-prediction.weights', '--mi-histograms.bins', '12', '--', '--hac.k'],
      registry,
    );
    expect(rest).toEqual(['align', 'runs/x', '--', '--hac.k']);
    expect(options.map(({ owner, kind, key, value }) => [owner, kind, key, value])).toEqual([
      ['mi', 'method', 'miller-madow', true],
      ['spectral', 'method', 'k', 4],
      ['sparse-prediction', 'method', 'alphas', '0,0.1'],
      ['sparse-prediction', 'method', 'weights', false],
      ['mi-histograms', 'reducer', 'bins', 12],
    ]);
  });

  it('a switch takes a following true or false', () => {
    expect(extractDottedOptions(['--mi.miller-madow', 'false'], registry).options[0].value).toBe(false);
  });

  it.each([
    [['--spectral.k'], '--spectral.k needs a value'],
    [['--spectral.k', '1e400'], '--spectral.k expects a number, got "1e400"'],
    [['--spectral.k', '2', '--spectral.k', '3'], '--spectral.k is given twice'],
    [['--no-spectral.k'], '--no-spectral.k: only a switch can be negated'],
    [['--nothing.x', '1'], 'unknown option --nothing.x: no method or reducer is named "nothing" (see `convergent methods`)'],
    [['--semi.x', '1'], 'unknown option --semi.x: semi has no options'],
  ])('%j is refused', (args, message) => {
    expect(() => extractDottedOptions(args, registry)).toThrow(message);
  });
});

describe('optionsFor', () => {
  const { options } = extractDottedOptions(['--spectral.k', '4', '--mi-histograms.bins', '12'], registry);

  it('groups the options by the method or reducer that runs', () => {
    expect(optionsFor(options, { methods: ['spectral'], reducers: ['mi-histograms'] }, 'run')).toEqual({ spectral: { k: 4 }, 'mi-histograms': { bins: 12 } });
  });

  it('refuses an option whose method or reducer does not run, saying how to run it', () => {
    expect(() => optionsFor(options, { methods: ['semi'], reducers: ['mi-histograms'] }, 'run')).toThrow(
      '--spectral.k is given but spectral does not run here (running: semi, mi-histograms); add --method spectral',
    );
    expect(() => optionsFor(options, { methods: ['spectral'], reducers: [] }, 'run')).toThrow(/--mi-histograms\.bins is given but .*; add --reducer mi-histograms/);
  });
});
