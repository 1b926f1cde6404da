// A consumer of the packed package, as a user's TypeScript sees it: scripts/check-package.sh
// installs the tarball into an empty folder, type-checks this file with skipLibCheck off (every
// published .d.ts is checked, so a type the package uses but does not ship fails here) and runs it.
// The browser-safe entry (`convergent`), the kernels, and the run-directory API of `convergent/node`
// (which re-exports all of `convergent` too).
import {
  builtinPlugin, createBackend, linearSumAssignment, PluginRegistry, selectMethods,
  type Backend, type Method, type Plugin, type PluginCommand, type Table,
} from 'convergent';
import { acquireGpu, type MomentKernel } from 'convergent/kernels';
import { align, probe, writeReport, type AlignOptions } from 'convergent/node';
import * as node from 'convergent/node';

// One library: `convergent/node` re-exports the browser entry's values themselves.
export const sameRegistry: boolean = node.PluginRegistry === PluginRegistry;
export type AlignRun = AlignOptions['run'];

// scipy.optimize.linear_sum_assignment's documented example: rows 0, 1, 2 take columns 1, 0, 2.
const { rowInd, colInd } = await linearSumAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]);
console.log(`assignment ${Array.from(rowInd).join(',')} -> ${Array.from(colInd).join(',')}`);

// WebGPU types reach the consumer through the library's declarations.
export function deviceOf(backend: Backend): GPUDevice | undefined {
  return backend.gpu?.device;
}
export const gpuFactory: typeof acquireGpu = acquireGpu;
export type Moments = MomentKernel;

// Plugin commands are convergent's own shape (no yargs types needed), with typed arguments.
const hello: PluginCommand<{ name: string; times: number }> = {
  name: 'hello',
  describe: 'says hello',
  positionals: { name: { type: 'string', describe: 'whom to greet', required: true } },
  options: { times: { type: 'number', default: 1, describe: 'how often' } },
  handler: ({ name, times }) => console.log(`hello ${name}`.repeat(times)),
};
// A plugin method builds its tables with ctx.table and returns convergent's own Table type.
const sampleCount: Method = {
  name: 'sample-count',
  description: 'how many samples each layer was probed over',
  run: (ctx) => ({ tables: { sample_count: ctx.table({ layer: [ctx.layer], samples: [ctx.samples] }) } }),
};
export const plugin: Plugin = { meta: { name: 'consumer', version: '0.0.0' }, commands: [hello], methods: [sampleCount] };
export function firstColumn(t: Table): unknown[] {
  return Array.from(t.array(t.columnNames()[0]));
}

// The pipeline a user imports: a backend, a probe, an alignment, a report.
export async function study(nets: { name: string; path: string }[], out: string): Promise<string> {
  const backend: Backend = await createBackend('auto');
  try {
    await probe({ nets, out, backend, batchItems: 64 });
    const plugins = new PluginRegistry();
    plugins.add(builtinPlugin, 'built-in');
    const { summary } = await align({ run: out, backend, registry: plugins.methods, methods: selectMethods(plugins, ['cca']) });
    const { path } = await writeReport({ run: out });
    return `${summary.numRows()} summary rows; ${path}`;
  } finally {
    await backend.dispose();
  }
}
