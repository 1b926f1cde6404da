// GPUBufferUsage / GPUMapMode values, spelled out so that kernels do not need the globals
// (which Node's `webgpu` package installs only when asked to).
export const USAGE_MAP_READ = 0x0001;
export const USAGE_COPY_SRC = 0x0004;
export const USAGE_COPY_DST = 0x0008;
export const USAGE_UNIFORM = 0x0040;
export const USAGE_STORAGE = 0x0080;
export const MAP_MODE_READ = 0x0001;
