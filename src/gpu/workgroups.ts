// Dispatch shapes and workgroup sizes from a device's limits, shared by every WebGPU kernel.
//
// Compatibility-mode devices (OpenGL ES, and llvmpipe through it) allow only 128 invocations per
// workgroup unless the limit is requested; acquireGpu() requests the adapter's maxima, but the
// kernels must still fit whatever `device.limits` says.

export const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

function largestPowerOfTwoAtMost(x: number): number {
  let p = 1;
  while (p * 2 <= x) p *= 2;
  return p;
}

export function nextPowerOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

const isPowerOfTwo = (x: number) => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;

/** Most invocations of a one-dimensional workgroup. */
export function linearInvocations(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
}

/**
 * The largest power-of-two one-dimensional workgroup of at most 256 invocations that fits the
 * device, each invocation holding `sharedBytes` of workgroup memory (a reduction's partial sum).
 */
export function linearWorkgroup(limits: GPUSupportedLimits, sharedBytes = 0): number {
  const byMemory = sharedBytes > 0 ? limits.maxComputeWorkgroupStorageSize / sharedBytes : Infinity;
  return largestPowerOfTwoAtMost(Math.min(256, linearInvocations(limits), byMemory));
}

/** Whether a one-dimensional workgroup of `size` (a power of two) fits the device; see linearWorkgroup(). */
export function fitsLinearWorkgroup(limits: GPUSupportedLimits, size: number, sharedBytes = 0): boolean {
  return isPowerOfTwo(size) && size <= linearInvocations(limits) && size * sharedBytes <= limits.maxComputeWorkgroupStorageSize;
}

/** Dispatch shape covering `groups` workgroups within the per-dimension limit. */
export function grid(groups: number, maxPerDim: number): [number, number] {
  const x = Math.max(1, Math.min(groups, maxPerDim));
  const y = Math.ceil(groups / x);
  if (y > maxPerDim) throw new Error(`dispatch of ${groups} workgroups exceeds the device limits`);
  return [x, y];
}

/** Workgroup counts covering `count` items at `perGroup` per workgroup, folded into x and y. */
export function linearGrid(count: number, perGroup: number, maxPerDim: number): { workgroups: [number, number, number]; gridX: number } {
  const [x, y] = grid(Math.max(1, Math.ceil(count / perGroup)), maxPerDim);
  return { workgroups: [x, y, 1], gridX: x };
}
