// Shape inference of the planner against onnxruntime: for every op case, the output shape that
// compilePlan infers must be the one onnxruntime produces (and the model must load there, which
// also checks the builder and the encoder on every op and attribute combination).
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/forward/compile.js';
import { caseInput, expectedFor } from './harness.js';
import { opCases } from './op-cases.js';

describe('compilePlan shape inference matches onnxruntime', () => {
  for (const c of opCases) {
    it(c.name, async () => {
      const expected = await expectedFor(c);
      const plan = compilePlan(c.model, c.inputShape);
      expect(plan.tensors[plan.outputs[0]].shape).toEqual(expected.dims);
      expect(caseInput(c).length).toBe(c.inputShape.reduce((a, b) => a * b, 1));
    });
  }
});
