// A consumer of the packed package, as a user's TypeScript sees it: scripts/check-package.sh
// installs the tarball into an empty folder, type-checks this file with skipLibCheck off (every
// published .d.ts is checked, so a type the package uses but does not ship fails here) and runs it.
import { linearSumAssignment, type Backend, type Plugin } from 'convergent';
import { acquireGpu, type MomentKernel } from 'convergent/kernels';

// scipy.optimize.linear_sum_assignment's documented example: rows 0, 1, 2 take columns 1, 0, 2.
const { rowInd, colInd } = await linearSumAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]);
console.log(`assignment ${Array.from(rowInd).join(',')} -> ${Array.from(colInd).join(',')}`);

// WebGPU types reach the consumer through the library's declarations.
export function deviceOf(backend: Backend): GPUDevice | undefined {
  return backend.gpu?.device;
}
export const gpuFactory: typeof acquireGpu = acquireGpu;
export type Moments = MomentKernel;

// Plugin commands are yargs command modules.
export const plugin: Plugin = {
  meta: { name: 'consumer', version: '0.0.0' },
  commands: [{ command: 'hello', describe: 'says hello', handler: () => console.log('hello') }],
};
