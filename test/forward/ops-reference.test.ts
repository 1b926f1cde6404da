// Every op case through the plain TypeScript reference kernels (the living definition of each
// op), compiled by the planner and run by PlanRunner, against onnxruntime within 1e-4 relative.
import { describe, it } from 'vitest';
import { createReferenceKernels } from '../../src/forward/reference/index.js';
import { checkCase } from './harness.js';
import { opCases } from './op-cases.js';

describe('reference kernels match onnxruntime on every op case', () => {
  const kernels = createReferenceKernels();
  for (const c of opCases) it(c.name, () => checkCase(c, kernels));
});
