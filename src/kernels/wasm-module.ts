// Loads the AssemblyScript kernels (assembly/ -> build/convergent.wasm, and its relaxed-SIMD build
// build/convergent-relaxed.wasm, both embedded as base64 by scripts/embed-kernels.mjs) the same
// way in Node, Deno and browsers: no file system, no static `node:` import.
//
// The one host of the module: every caller (the kernels here, src/forward/wasm, src/train) goes
// through WasmInstance, whose `exports` are typed by src/generated/wasm-exports.ts (generated from
// assembly/ by scripts/embed-wasm-exports.mjs, checked against the module in
// test/kernels/wasm-exports.test.ts). Worker scripts that cannot import this file embed the source
// text of wasmImports() instead, so an instance is made the same way on every thread.
import { wasmBase64, wasmRelaxedBase64 } from '../generated/wasm-binary.js';
import type { WasmExports } from '../generated/wasm-exports.js';

export type { WasmExports };

const PAGE = 65536;
/** A WASM instance addresses at most 4 GiB (wasm32). */
const ADDRESSABLE_BYTES = 2 ** 32;

/**
 * The two builds of the module: 'plain' (WASM SIMD) and 'relaxed' (the same source built with
 * relaxed SIMD: the GEMM micro-kernels use a fused multiply-add, assembly/forward/madd.ts; every
 * other kernel is the same code). Results differ only in the rounding of the GEMMs' steps.
 */
export type WasmVariant = 'plain' | 'relaxed';

const compiled = new Map<WasmVariant, Promise<WebAssembly.Module>>();

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let relaxedRuns: boolean | undefined;

const variantBytes = (variant: WasmVariant) => decodeBase64(variant === 'relaxed' ? wasmRelaxedBase64 : wasmBase64);

/** V8's flag for relaxed SIMD, off by default in Node 20 (on by default from V8 11.4: Node 22, Chrome 114). */
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Whether this engine runs relaxed SIMD. In Node 20 the feature is behind a V8 flag, which is
 * turned on here (process-wide; it only lets modules use the relaxed-SIMD instructions, and
 * worker threads run modules compiled here).
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedRuns !== undefined) return relaxedRuns;
  const bytes = variantBytes('relaxed') as BufferSource;
  if (!WebAssembly.validate(bytes)) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 = typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('node:v8') as { setFlagsFromString?(flag: string): void } | undefined) : undefined;
    if (typeof v8?.setFlagsFromString === 'function') v8.setFlagsFromString(RELAXED_SIMD_FLAG);
  }
  return (relaxedRuns = WebAssembly.validate(bytes));
}

/**
 * The build the forward engine (src/forward/wasm) and the moment kernel run: CONVERGENT_WASM_SIMD=plain or =relaxed
 * in the environment asks for one (relaxed where the engine cannot run it is an error);
 * otherwise relaxed where the engine runs it, else plain.
 */
export function fastestWasmVariant(): WasmVariant {
  const asked = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CONVERGENT_WASM_SIMD;
  if (asked !== undefined && asked !== '' && asked !== 'plain' && asked !== 'relaxed') {
    throw new Error(`CONVERGENT_WASM_SIMD=${asked}: expected "plain" (WASM SIMD) or "relaxed" (relaxed SIMD: fused multiply-add in the forward GEMMs and the moment kernel)`);
  }
  if (asked === 'plain') return 'plain';
  const relaxed = relaxedSimdAvailable();
  if (asked === 'relaxed' && !relaxed) throw new Error('CONVERGENT_WASM_SIMD=relaxed: this JavaScript engine does not run relaxed SIMD (set CONVERGENT_WASM_SIMD=plain, or leave it unset)');
  return relaxed ? 'relaxed' : 'plain';
}

/**
 * The compiled module, shared by every instance (and sendable to workers): the plain build unless
 * `variant` asks for the relaxed one (the forward engine's and the moments' choice, fastestWasmVariant()).
 */
export function wasmModule(variant: WasmVariant = 'plain'): Promise<WebAssembly.Module> {
  if (variant === 'relaxed' && !relaxedSimdAvailable()) return Promise.reject(new Error('the relaxed-SIMD build of the WASM kernels does not run on this JavaScript engine'));
  let module = compiled.get(variant);
  if (!module) {
    module = WebAssembly.compile(variantBytes(variant) as BufferSource);
    compiled.set(variant, module);
  }
  return module;
}

/**
 * The module's imports: only `env.abort`, which AssemblyScript calls on a failed assertion.
 * Self-contained (no outside references): worker scripts embed its source text.
 */
export function wasmImports(): WebAssembly.Imports {
  return {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error('convergent WASM kernel aborted at ' + line + ':' + col);
      },
    },
  };
}

/**
 * Grows `memory` until it holds `end` bytes. Where it cannot (past 4 GiB, or the engine refuses),
 * the error says which job (`what`, e.g. "cost matrix of 3 x 4") needed how much.
 */
export function growMemory(memory: WebAssembly.Memory, end: number, what: string): void {
  const need = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
  if (need <= 0) return;
  try {
    if (end > ADDRESSABLE_BYTES) throw new RangeError(`${end} bytes are past the end of the address space`);
    memory.grow(need);
  } catch (err) {
    throw new Error(
      `${what} needs ${Math.ceil(end / 2 ** 20)} MiB of WASM memory, which could not be allocated ` +
        `(a WASM instance addresses at most 4 GiB): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** One instance with its own linear memory. Host code lays out buffers above `heapBase()`. */
export class WasmInstance {
  readonly exports: WasmExports;
  readonly memory: WebAssembly.Memory;
  private readonly base: number;

  constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as WasmExports;
    this.memory = this.exports.memory;
    // 16-byte aligned so that v128 loads of every buffer are aligned.
    this.base = (Number(this.exports.heapBase()) + 15) & ~15;
  }

  static async create(module?: WebAssembly.Module): Promise<WasmInstance> {
    const m = module ?? (await wasmModule());
    return new WasmInstance(await WebAssembly.instantiate(m, wasmImports()));
  }

  /**
   * Lays out buffers of the given byte sizes one after another (each 16-byte aligned), growing
   * the memory when needed, and returns their byte offsets. Earlier layouts are invalidated.
   * `what` names the job in the error when the memory cannot grow.
   */
  layout(byteSizes: number[], what = 'a WASM kernel call'): number[] {
    const offsets: number[] = [];
    let end = this.base;
    for (const size of byteSizes) {
      offsets.push(end);
      // Not `& ~15`: bitwise operators wrap past 2^31, and a layout may reach 4 GiB.
      end = Math.ceil((end + size) / 16) * 16;
    }
    growMemory(this.memory, end, what);
    return offsets;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }
  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }
  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }
}

/**
 * A process-wide instance for one kernel, created on first use of `get()`. A failed creation is
 * not kept (the next call tries again); `drop()` lets the next call start a fresh one, e.g. after
 * a large call grew this one's memory (a WASM memory never shrinks).
 */
export class SharedWasmInstance {
  private instance: Promise<WasmInstance> | undefined;

  get(): Promise<WasmInstance> {
    this.instance ??= WasmInstance.create().catch((err) => {
      this.instance = undefined;
      throw err;
    });
    return this.instance;
  }

  drop(): void {
    this.instance = undefined;
  }
}
