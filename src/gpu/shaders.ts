// The embedded WGSL of shaders/*.wgsl (includes resolved by scripts/embed-kernels.mjs) and its
// compile-time specialisation: the `const NAME: u32 = ...u;` lines a pipeline is compiled with.
import { shaderSources } from '../generated/shaders.js';

/** Replaces `const NAME: u32 = ...u;` lines of a shader; every name must be present. */
export function specialise(source: string, constants: Record<string, number>): string {
  let out = source;
  for (const [name, value] of Object.entries(constants)) {
    const pattern = new RegExp(`const ${name}: u32 = \\d+u;`);
    if (!pattern.test(out)) throw new Error(`shader has no constant ${name}`);
    out = out.replace(pattern, `const ${name}: u32 = ${value}u;`);
  }
  return out;
}

/** The embedded WGSL text of shaders/<name>.wgsl. */
export function shader(name: string): string {
  const source = shaderSources[name];
  if (source === undefined) throw new Error(`shader ${name} is not embedded; run scripts/embed-kernels.mjs`);
  return source;
}
