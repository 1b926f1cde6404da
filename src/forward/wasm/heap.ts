// A simple allocator over a WASM instance's linear memory for the forward kernels: blocks above
// heapBase() in size classes (four per octave, so a freed block is reused by any tensor within
// 25 % of its size), free lists per class, and a bump pointer that grows the memory on demand.
// The block at the top of the heap is handed back to the bump pointer when freed.
//
// memory.grow() detaches every typed-array view of the old buffer: callers take fresh views
// (f32(), i32()) after any alloc() and never keep one across calls.
import { growMemory } from '../../kernels/wasm-module.js';

const ALIGN = 64;

/** The size class of a request: at least `bytes`, a multiple of 64, four classes per octave. */
export function blockSize(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (b <= 1024) return b;
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = octave / 4;
  return Math.ceil(b / step) * step;
}

export class WasmHeap {
  private top: number;
  private readonly base: number;
  private readonly free = new Map<number, number[]>();
  /** offset -> block size, for every live block (double frees and stray offsets throw). */
  private readonly live = new Map<number, number>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.base = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.top = this.base;
  }

  /** Byte offset of a block of at least `bytes` bytes (64-byte aligned, contents undefined). */
  alloc(bytes: number): number {
    const size = blockSize(bytes);
    const list = this.free.get(size);
    let offset = list?.pop();
    if (offset === undefined) {
      offset = this.top;
      const end = offset + size;
      growMemory(this.memory, end, `wasm heap: a block of ${bytes} bytes (${this.top - this.base} bytes in use)`);
      this.top = end;
    }
    this.live.set(offset, size);
    return offset;
  }

  release(offset: number): void {
    const size = this.live.get(offset);
    if (size === undefined) throw new Error(`wasm heap: block at ${offset} is not allocated (freed twice?)`);
    this.live.delete(offset);
    if (offset + size === this.top) {
      this.top = offset;
      // Free blocks that now end at the top go back to the bump pointer too.
      for (let again = true; again; ) {
        again = false;
        for (const [s, list] of this.free) {
          const i = list.indexOf(this.top - s);
          if (i >= 0) {
            list.splice(i, 1);
            this.top -= s;
            again = true;
          }
        }
      }
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(offset);
  }

  /** Bytes between heapBase and the bump pointer (live and free blocks). */
  get used(): number {
    return this.top - this.base;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }
}
