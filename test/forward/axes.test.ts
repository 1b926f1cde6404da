// The index-space helpers every backend's strided kernels share: src/forward/axes.ts mergeAxes
// and src/forward/reference/tensor.ts broadcastStrides (one definition each; the WASM and WebGPU
// kernels had drifted copies, one without rank 0, one with other strides on size-1 axes).
import { describe, expect, it } from 'vitest';
import { mergeAxes } from '../../src/forward/axes.js';
import { broadcastStrides } from '../../src/forward/reference/tensor.js';
import { mergeAxes as wasmMergeAxes } from '../../src/forward/wasm/axes.js';

describe('mergeAxes', () => {
  it('is the one implementation the WASM kernels use too', () => {
    expect(wasmMergeAxes).toBe(mergeAxes);
  });

  it('merges (N, C, H, W) + (C, 1, 1) into (N, C, H*W)', () => {
    const dims = [2, 3, 4, 5];
    const a = [60, 20, 5, 1];
    const b = broadcastStrides('b', [3, 1, 1], dims);
    expect(mergeAxes(dims, [a, b])).toEqual({ dims: [2, 3, 20], strides: [[60, 20, 1], [0, 1, 0]] });
  });

  it('gives rank 0 and all-size-1 spaces one axis of size 1', () => {
    expect(mergeAxes([], [[], []])).toEqual({ dims: [1], strides: [[0], [0]] });
    expect(mergeAxes([1, 1], [[7, 3], [1, 1]])).toEqual({ dims: [1], strides: [[0], [0]] });
  });

  it('keeps axes that the operands walk differently (a transpose)', () => {
    expect(mergeAxes([3, 4], [[1, 3], [4, 1]])).toEqual({ dims: [3, 4], strides: [[1, 3], [4, 1]] });
  });
});

describe('broadcastStrides', () => {
  it('is 0 along stretched axes and along the operand\'s own size-1 axes', () => {
    expect(broadcastStrides('x', [3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides('x', [1, 3], [1, 3])).toEqual([0, 1]);
    expect(broadcastStrides('x', [2, 1, 5], [2, 1, 5])).toEqual([5, 0, 1]);
    expect(broadcastStrides('x', [], [2, 2])).toEqual([0, 0]);
  });

  it('refuses shapes that do not broadcast, naming them', () => {
    expect(() => broadcastStrides('add A', [3], [2, 2])).toThrow('add A: shape [3] does not broadcast to [2, 2]');
    expect(() => broadcastStrides('add A', [2, 2, 2], [2, 2])).toThrow('add A: shape [2, 2, 2] does not broadcast to [2, 2]');
  });
});
