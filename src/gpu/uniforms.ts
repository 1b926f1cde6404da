// Uniform blocks packed by field name from the layout of the shader's own WGSL struct.
//
// scripts/embed-kernels.mjs reads every `var<uniform>` struct of shaders/*.wgsl into
// src/generated/uniform-layouts.ts (offsets by WGSL's alignment rules) with a TypeScript type of
// its fields, so a kernel names each value, the compiler checks the names against the shader,
// and no offset is written twice. Values are range-checked: a shape that overflows the shaders'
// u32 index arithmetic fails here with a message instead of producing garbage.
import { type UniformLayout, type UniformValues, uniformLayouts } from '../generated/uniform-layouts.js';

export type ShaderWithUniforms = keyof UniformValues;
/** The values of uniform binding B of shader S, by field name (padding fields left out). */
export type UniformBlock<S extends ShaderWithUniforms, B extends number = 0> = B extends keyof UniformValues[S] ? UniformValues[S][B] : never;

export function uniformLayout(shaderName: string, binding = 0): UniformLayout {
  const layout = uniformLayouts[shaderName]?.[binding];
  if (!layout) throw new Error(`shader ${shaderName} has no uniform block at binding ${binding}; run scripts/embed-kernels.mjs`);
  return layout;
}

function checked(what: string, kind: 'u32' | 'i32' | 'f32', v: number): number {
  if (kind === 'u32' && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new Error(`${what}: ${v} does not fit the kernel's u32 arithmetic`);
  if (kind === 'i32' && !(Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff)) throw new Error(`${what}: ${v} does not fit the kernel's i32 arithmetic`);
  return v;
}

/**
 * The bytes of uniform binding `binding` of `shader`, with every field of its struct set from
 * `values` (arrays zero-filled to their length) and padding zeroed. `what` names the kernel and
 * node in errors.
 */
export function packUniforms<S extends ShaderWithUniforms, B extends number = 0>(shaderName: S, what: string, values: UniformBlock<S, B>, binding?: B): Uint32Array {
  const layout = uniformLayout(shaderName, binding ?? 0);
  const words = new Uint32Array(layout.size / 4);
  const ints = new Int32Array(words.buffer);
  const floats = new Float32Array(words.buffer);
  const given = values as Record<string, number | readonly number[]>;
  for (const name of Object.keys(given)) {
    if (!layout.fields.some((f) => f.name === name)) throw new Error(`${what}: struct ${layout.struct} of ${shaderName} has no field ${name}`);
  }
  for (const field of layout.fields) {
    if (field.padding) continue;
    const value = given[field.name];
    if (value === undefined) throw new Error(`${what}: no value for ${field.name} of struct ${layout.struct} (${shaderName})`);
    const list = typeof value === 'number' ? [value] : value;
    if (list.length > field.count) throw new Error(`${what}: ${list.length} values for ${field.name}, which holds ${field.count}`);
    const at = field.offset / 4;
    const view = field.kind === 'f32' ? floats : field.kind === 'i32' ? ints : words;
    list.forEach((v, i) => (view[at + i] = checked(what, field.kind, v)));
  }
  return words;
}
