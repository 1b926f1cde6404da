// Loads the AssemblyScript kernels (assembly/ -> build/convergent.wasm, embedded as base64 by
// scripts/embed-kernels.mjs) the same way in Node, Deno and browsers: no file system, no `node:`.
import { wasmBase64 } from '../generated/wasm-binary.js';

let compiled: Promise<WebAssembly.Module> | undefined;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled module, shared by every instance (and sendable to workers). */
export function wasmModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(wasmBase64) as BufferSource);
  return compiled;
}

/** One instance with its own linear memory. Host code lays out buffers above `heapBase()`. */
export class WasmInstance {
  readonly exports: Record<string, any>;
  readonly memory: WebAssembly.Memory;
  private readonly base: number;

  constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as Record<string, any>;
    this.memory = this.exports.memory as WebAssembly.Memory;
    // 16-byte aligned so that v128 loads of every buffer are aligned.
    this.base = (Number(this.exports.heapBase()) + 15) & ~15;
  }

  static async create(module?: WebAssembly.Module): Promise<WasmInstance> {
    const m = module ?? (await wasmModule());
    const instance = await WebAssembly.instantiate(m, {
      env: {
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new Error(`convergent WASM kernel aborted at ${line}:${col}`);
        },
      },
    });
    return new WasmInstance(instance);
  }

  /**
   * Lays out buffers of the given byte sizes one after another (each 16-byte aligned), growing
   * the memory when needed, and returns their byte offsets. Earlier layouts are invalidated.
   */
  layout(byteSizes: number[]): number[] {
    const offsets: number[] = [];
    let end = this.base;
    for (const size of byteSizes) {
      offsets.push(end);
      end = (end + size + 15) & ~15;
    }
    const needPages = Math.ceil(end / 65536) - this.memory.buffer.byteLength / 65536;
    if (needPages > 0) this.memory.grow(needPages);
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
