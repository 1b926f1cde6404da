// Shared by the WebGPU kernels: the embedded WGSL sources, compile-time specialisation, buffer
// usage flags and dispatch shapes.
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

// GPUBufferUsage / GPUMapMode values, spelled out so that kernels do not need the globals.
export const USAGE_MAP_READ = 0x0001;
export const USAGE_COPY_SRC = 0x0004;
export const USAGE_COPY_DST = 0x0008;
export const USAGE_UNIFORM = 0x0040;
export const USAGE_STORAGE = 0x0080;
export const MAP_MODE_READ = 0x0001;

export const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Dispatch shape covering `groups` workgroups within the per-dimension limit. */
export function grid(groups: number, maxPerDim: number): [number, number] {
  const x = Math.max(1, Math.min(groups, maxPerDim));
  const y = Math.ceil(groups / x);
  if (y > maxPerDim) throw new Error(`dispatch of ${groups} workgroups exceeds the device limits`);
  return [x, y];
}
