// What the WASM op families share: the instance's typed exports, the heap the tensors live in,
// one grow-only scratch block (im2col columns, Winograd transforms, a pooling row), blocks kept
// with a tensor while it lives (a constant weight's Winograd transform) and a small block for
// i32 parameter lists (dims, strides). Any allocation may grow the memory, which
// detaches typed-array views, so views are taken afresh right before use.
import type { WasmExports } from '../../kernels/wasm-module.js';
import { sizeOf } from '../reference/tensor.js';
import { formatShape } from '../../util/shape.js';
import type { ExecutionPlan, Shape, Step, StepBody } from '../plan.js';
import type { WasmHeap } from './heap.js';

/** A tensor in WASM memory: `length` f32 values at byte `offset`. */
export interface WasmTensor {
  readonly offset: number;
  readonly length: number;
  readonly shape: Shape;
}

export interface WasmOpContext {
  readonly ex: WasmExports;
  readonly heap: WasmHeap;
  /** A scratch block of at least `bytes` (contents undefined); grows, never shrinks. */
  scratch(bytes: number): number;
  /** Writes int lists one after another into the parameter block; returns their offsets. */
  params(...lists: number[][]): number[];
  /**
   * A block of `bytes` kept with tensor `t` (e.g. a constant weight's Winograd transform) until
   * `t` is freed (releaseDerived). `key` names what the block holds (the transform and its
   * geometry); another key or size replaces it. `fresh`: just allocated, the caller must fill it.
   */
  derived(t: WasmTensor, key: string, bytes: number): { offset: number; fresh: boolean };
  /** Releases the block kept with `t`, if any (called when `t` is freed). */
  releaseDerived(t: WasmTensor): void;
}

/** Arguments of one op: its step, the plan (for shapes), the input tensors and the output. */
export interface WasmOpCall<S extends StepBody = StepBody> {
  step: S & Omit<Step, keyof StepBody>;
  plan: ExecutionPlan;
  inputs: WasmTensor[];
  output: WasmTensor;
}

/** Ints in the parameter block: enough for the widest op (pad, binary: 3 lists of MAX_RANK). */
const PARAM_INTS = 64;

export function createOpContext(ex: WasmExports, heap: WasmHeap): WasmOpContext {
  const paramBlock = heap.alloc(PARAM_INTS * 4);
  let scratchAt = -1;
  let scratchBytes = 0;
  const kept = new Map<WasmTensor, { offset: number; key: string; bytes: number }>();
  return {
    ex,
    heap,
    scratch(bytes) {
      if (bytes > scratchBytes) {
        if (scratchAt >= 0) heap.release(scratchAt);
        scratchAt = heap.alloc(bytes);
        scratchBytes = bytes;
      }
      return scratchAt;
    },
    derived(t, key, bytes) {
      const have = kept.get(t);
      if (have && have.key === key && have.bytes === bytes) return { offset: have.offset, fresh: false };
      if (have) heap.release(have.offset);
      const offset = heap.alloc(bytes);
      kept.set(t, { offset, key, bytes });
      return { offset, fresh: true };
    },
    releaseDerived(t) {
      const have = kept.get(t);
      if (!have) return;
      heap.release(have.offset);
      kept.delete(t);
    },
    params(...lists) {
      const total = lists.reduce((a, l) => a + l.length, 0);
      if (total > PARAM_INTS) throw new Error(`wasm kernels: ${total} parameters exceed the block of ${PARAM_INTS}`);
      const view = heap.i32(paramBlock, PARAM_INTS);
      const offsets: number[] = [];
      let at = 0;
      for (const l of lists) {
        offsets.push(paramBlock + at * 4);
        view.set(l, at);
        at += l.length;
      }
      return offsets;
    },
  };
}

/** (N, C, S) view of a tensor with a channel axis. */
export function ncs(what: string, s: readonly number[]): [number, number, number] {
  if (s.length < 2) throw new Error(`${what}: x ${formatShape(s)} needs a channel axis (N, C, ...)`);
  return [s[0], s[1], sizeOf(s.slice(2))];
}
