// Finds a WebGPU device the same way in Node, Deno and browsers.
//
// Deno and browsers have `navigator.gpu`. Node has none, so the `webgpu` package (Dawn for Node)
// is imported on demand and its backends are tried in order: a native backend at the core feature
// level (Vulkan on Linux, Metal on macOS, D3D12 on Windows), then OpenGL ES / OpenGL in
// compatibility mode, which is what a Linux machine without a GPU offers through Mesa's llvmpipe
// (on such a machine, one without a GPU device node, the GL backends are tried first).
// No `node:` imports here: Node's environment is reached through `globalThis.process` when present.

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapterInfo: GpuAdapterSummary;
  /** A software rasteriser (llvmpipe, lavapipe, SwiftShader, WARP) or a fallback adapter. */
  readonly isSoftware: boolean;
  /** One line, e.g. "llvmpipe (LLVM 15) via Dawn opengles, compatibility mode". */
  readonly label: string;
  /** 'core' or 'compatibility' (what was asked of the adapter). */
  readonly featureLevel: 'core' | 'compatibility';
  /** Destroys the device and drops the WebGPU instance so the process can exit. Idempotent. */
  release(): void;
}

export interface AcquireGpuOptions {
  /**
   * Accept software adapters (llvmpipe and the like). Default true. The automatic backend choice
   * passes false, since WASM SIMD on the CPU outruns a software rasteriser.
   */
  allowSoftware?: boolean;
}

/** The limits the kernels need, requested at the adapter's maxima instead of the defaults. */
export const REQUESTED_LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
] as const;

const SOFTWARE_PATTERN = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|\bwarp\b/i;

interface NodeProcessLike {
  platform?: string;
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
}

function nodeProcess(): NodeProcessLike | undefined {
  const p = (globalThis as { process?: NodeProcessLike }).process;
  return p && typeof p === 'object' ? p : undefined;
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

/**
 * Whether the machine has a GPU device node, checked without loading the native WebGPU library
 * (whose loaders print warnings from C++ straight to the terminal when they find nothing): on
 * Linux a DRM render node (/dev/dri/renderD*), an NVIDIA device (/dev/nvidia0...) or WSL's
 * /dev/dxg. Undefined where that cannot be told (other systems, no Node): ask the library then.
 */
export function gpuDeviceNodesPresent(): boolean | undefined {
  const proc = nodeProcess();
  if (proc?.platform !== 'linux' || typeof proc.getBuiltinModule !== 'function') return undefined;
  const fs = proc.getBuiltinModule('fs') as { readdirSync(path: string): string[]; existsSync(path: string): boolean } | undefined;
  if (!fs) return undefined;
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d+$/.test(f)) || fs.existsSync('/dev/dxg');
}

/** A readable device name from the adapter info, e.g. "llvmpipe (LLVM 15)" or "NVIDIA H100 80GB HBM3". */
export function adapterDisplayName(info: GpuAdapterSummary): string {
  const all = [info.description, info.device, info.architecture, info.vendor].join(' ');
  const pipe = /(llvmpipe|lavapipe)\W*llvm\W*(\d+)/i.exec(all);
  if (pipe) return `${pipe[1].toLowerCase()} (LLVM ${pipe[2]})`;
  const candidates = [info.description, info.device]
    .map((s) => (s ?? '').trim())
    // Dawn's GL backend puts the GL version string in the description; it names no device.
    .filter((s) => s.length > 0 && !/^(OpenGL|Vulkan|Metal|Direct3D|D3D)\b/i.test(s));
  if (candidates.length > 0) {
    const name = candidates[0];
    // Dawn's GL backend reports the renderer as a slug ("mesa-intel-r-uhd-graphics-").
    return /^[a-z0-9-]+$/.test(name) && name.includes('-') ? name.replace(/-+/g, ' ').trim() : name;
  }
  const vendorArch = [info.vendor, info.architecture].filter((s) => s && !/^\d+$/.test(s)).join(' ');
  return vendorArch || 'unknown adapter';
}

function summarise(adapter: GPUAdapter): { info: GpuAdapterSummary; fallback: boolean } {
  const raw = (adapter as { info?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } }).info ?? {};
  const info: GpuAdapterSummary = {
    vendor: String(raw.vendor ?? ''),
    architecture: String(raw.architecture ?? ''),
    device: String(raw.device ?? ''),
    description: String(raw.description ?? ''),
  };
  const fallback = Boolean(raw.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return { info, fallback };
}

function isSoftwareAdapter(info: GpuAdapterSummary, fallback: boolean): boolean {
  return fallback || SOFTWARE_PATTERN.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  const available = adapter.limits as unknown as Record<string, number | undefined>;
  for (const name of REQUESTED_LIMITS) {
    const value = available[name];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) limits[name] = value;
  }
  return limits;
}

async function openDevice(
  adapter: GPUAdapter,
  via: string,
  featureLevel: 'core' | 'compatibility',
  allowSoftware: boolean,
  onRelease: () => void,
): Promise<GpuContext | null> {
  const { info, fallback } = summarise(adapter);
  const isSoftware = isSoftwareAdapter(info, fallback);
  if (isSoftware && !allowSoftware) return null;
  const device = await adapter.requestDevice({
    label: 'convergent',
    requiredLimits: requiredLimits(adapter),
  });
  const mode = featureLevel === 'compatibility' ? ', compatibility mode' : '';
  const label = `${adapterDisplayName(info)} via ${via}${mode}`.replace(/\s+/g, ' ');
  let released = false;
  return {
    device,
    adapterInfo: info,
    isSoftware,
    label,
    featureLevel,
    release() {
      if (released) return;
      released = true;
      device.destroy();
      onRelease();
    },
  };
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

export interface DawnAttempt {
  backend: string;
  featureLevel: 'core' | 'compatibility';
}

/**
 * The Dawn backends to try, in order. On Linux without a GPU device node (`gpuNodes` false) only
 * a software Vulkan could answer, and Dawn rejects stock Mesa's lavapipe anyway, so the GL
 * backends (llvmpipe) go first: Dawn then never tries to load libvulkan, whose loader prints a
 * warning with a C++ source path to stderr where it is not installed. Vulkan stays as the last
 * resort there, and first whenever a device node exists or that cannot be told.
 */
export function dawnAttempts(platform: string | undefined, gpuNodes: boolean | undefined): DawnAttempt[] {
  if (platform === 'darwin') return [{ backend: 'metal', featureLevel: 'core' }];
  if (platform === 'win32') {
    return [
      { backend: 'd3d12', featureLevel: 'core' },
      { backend: 'vulkan', featureLevel: 'core' },
      { backend: 'd3d11', featureLevel: 'compatibility' },
    ];
  }
  const vulkan: DawnAttempt = { backend: 'vulkan', featureLevel: 'core' };
  const gl: DawnAttempt[] = [
    { backend: 'opengles', featureLevel: 'compatibility' },
    { backend: 'opengl', featureLevel: 'compatibility' },
  ];
  return platform === 'linux' && gpuNodes === false ? [...gl, vulkan] : [vulkan, ...gl];
}

async function acquireFromNavigator(gpu: GPU, allowSoftware: boolean): Promise<GpuContext | null> {
  const via = isDeno() ? 'Deno WebGPU (wgpu)' : 'browser WebGPU';
  const requests: { options: GPURequestAdapterOptions; featureLevel: 'core' | 'compatibility' }[] = [
    { options: { powerPreference: 'high-performance' }, featureLevel: 'core' },
    { options: { featureLevel: 'compatibility' } as GPURequestAdapterOptions, featureLevel: 'compatibility' },
  ];
  if (allowSoftware) requests.push({ options: { forceFallbackAdapter: true }, featureLevel: 'core' });
  for (const { options, featureLevel } of requests) {
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter(options);
    } catch {
      adapter = null;
    }
    if (!adapter) continue;
    const level = (adapter as { featureLevel?: string }).featureLevel === 'compatibility' ? 'compatibility' : featureLevel;
    const context = await openDevice(adapter, via, level, allowSoftware, () => {});
    if (context) return context;
  }
  return null;
}

async function acquireFromDawn(allowSoftware: boolean): Promise<GpuContext | null> {
  const proc = nodeProcess();
  const gpuNodes = gpuDeviceNodesPresent();
  // Without a GPU device node every adapter Dawn could find is a software one: when those are
  // refused, there is nothing to ask for, and loading Dawn would only print its loaders' warnings.
  if (!allowSoftware && gpuNodes === false) return null;
  const env = proc?.env;
  // Mesa's EGL picks its platform when Dawn first opens a display; without a display server the
  // GL backends need the surfaceless platform. Must be set before the first `create`.
  if (env && env.EGL_PLATFORM === undefined && !env.DISPLAY && !env.WAYLAND_DISPLAY) env.EGL_PLATFORM = 'surfaceless';
  let dawn: DawnModule;
  try {
    // A computed specifier keeps bundlers and Deno from resolving the Node-only package eagerly.
    const specifier = 'webgpu';
    dawn = (await import(specifier)) as DawnModule;
  } catch {
    return null;
  }
  // GPUBufferUsage, GPUMapMode and friends, for code that uses the global constants.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  for (const { backend, featureLevel } of dawnAttempts(proc?.platform, gpuNodes)) {
    // The Dawn instance keeps the process alive while referenced: the context holds it until
    // release() and drops it there.
    let instance: GPU | null;
    try {
      instance = dawn.create([`backend=${backend}`]);
    } catch {
      continue;
    }
    let adapter: GPUAdapter | null = null;
    try {
      adapter =
        featureLevel === 'core'
          ? await instance.requestAdapter({ powerPreference: 'high-performance', featureLevel: 'core' } as GPURequestAdapterOptions)
          : await instance.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    } catch {
      adapter = null;
    }
    if (!adapter) {
      instance = null;
      continue;
    }
    const context = await openDevice(adapter, `Dawn ${backend}`, featureLevel, allowSoftware, () => {
      instance = null;
    });
    if (context) return context;
    instance = null;
  }
  return null;
}

/**
 * A WebGPU device with the kernels' limits raised to the adapter's maxima, or null when there is
 * no (acceptable) adapter. Call `release()` when done.
 */
export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<GpuContext | null> {
  const allowSoftware = options.allowSoftware ?? true;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return acquireFromNavigator(nav.gpu, allowSoftware);
  return acquireFromDawn(allowSoftware);
}

/** Thrown by withGpuErrorScope when the device reported errors inside the scope. */
export class GpuScopeError extends Error {
  constructor(readonly errors: GPUError[]) {
    super(`WebGPU reported ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${errors.map((e) => e.message).join(' | ')}`);
    this.name = 'GpuScopeError';
  }
}

/**
 * Runs `fn` inside validation and out-of-memory error scopes and throws a GpuScopeError if the
 * device reported anything; if `fn` itself threw, that error becomes the GpuScopeError's cause
 * (a failed mapAsync is usually the consequence of the validation error, not the news).
 */
export async function withGpuErrorScope<T>(
  device: GPUDevice,
  fn: () => T | Promise<T>,
  filters: GPUErrorFilter[] = ['validation', 'out-of-memory'],
): Promise<T> {
  for (const filter of filters) device.pushErrorScope(filter);
  let result: T | undefined;
  let thrown: { error: unknown } | undefined;
  try {
    result = await fn();
  } catch (error) {
    thrown = { error };
  }
  const errors: GPUError[] = [];
  for (let i = filters.length - 1; i >= 0; i--) {
    const error = await device.popErrorScope();
    if (error) errors.push(error);
  }
  if (errors.length > 0) {
    const scopeError = new GpuScopeError(errors);
    if (thrown) (scopeError as { cause?: unknown }).cause = thrown.error;
    throw scopeError;
  }
  if (thrown) throw thrown.error;
  return result as T;
}
