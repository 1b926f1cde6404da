// Shares uploaded weights between the plans of one net compiled for several batch sizes. A
// PlanRunner uploads every constant of its plan; a worker of the parallel engine keeps a plan per
// slice size (the last batch of a probe is usually smaller), and without sharing every plan would
// hold its own copy of the weights in WASM memory (AlexNet: 240 MB each).
//
// Only arrays registered as constants (register(), before the PlanRunner is built) are shared;
// everything else (the batch input) is uploaded as usual. A registered array is shared with an
// earlier upload of the same tensor name and shape when it is the same array, or holds the same
// values (folded constants, e.g. BatchNorm merged into a Conv, are new arrays on every compile).
// Shared handles are reference counted and freed with their last user.
import type { OpKernels } from '../kernels.js';
import type { ExecutionPlan } from '../plan.js';

interface Entry<T> {
  data: Float32Array;
  handle: T;
  refs: number;
}

export interface SharedConstantKernels<T> extends OpKernels<T> {
  /** Marks the constants of `plan` as shareable; call before `new PlanRunner(plan, this)`. */
  register(plan: ExecutionPlan): void;
}

const sameValues = (a: Float32Array, b: Float32Array) => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // Bitwise, so NaN payloads and -0 count as the values they are.
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

export function shareConstants<T>(kernels: OpKernels<T>): SharedConstantKernels<T> {
  /** Registered arrays -> their sharing key (tensor name and shape). */
  const keys = new WeakMap<Float32Array, string>();
  const byKey = new Map<string, Entry<T>[]>();
  const byHandle = new Map<T, { key: string; entry: Entry<T> }>();
  return {
    get name() {
      return kernels.name;
    },
    register(plan) {
      for (const t of plan.tensors) if (t.constant) keys.set(t.constant, `${t.name}\u0000${t.shape.join(',')}`);
    },
    upload(data, shape) {
      const key = keys.get(data);
      if (key === undefined) return kernels.upload(data, shape);
      const list = byKey.get(key) ?? [];
      const hit = list.find((e) => sameValues(e.data, data));
      if (hit) {
        hit.refs++;
        return hit.handle;
      }
      const entry: Entry<T> = { data, handle: kernels.upload(data, shape), refs: 1 };
      list.push(entry);
      byKey.set(key, list);
      byHandle.set(entry.handle, { key, entry });
      return entry.handle;
    },
    alloc: (shape) => kernels.alloc(shape),
    run: (step, plan, inputs, output) => kernels.run(step, plan, inputs, output),
    read: (t) => kernels.read(t),
    free(t) {
      const shared = byHandle.get(t);
      if (!shared) return kernels.free(t);
      if (--shared.entry.refs > 0) return;
      byHandle.delete(t);
      const list = byKey.get(shared.key)!.filter((e) => e !== shared.entry);
      if (list.length) byKey.set(shared.key, list);
      else byKey.delete(shared.key);
      kernels.free(t);
    },
    dispose: () => kernels.dispose(),
  };
}
