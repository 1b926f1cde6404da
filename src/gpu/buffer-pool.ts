// Pools of GPU buffers keyed by rounded size, so that a plan's intermediates reuse the buffers
// freed by earlier steps and batches instead of creating new ones per step.
//
// Sizes are rounded up to 256 bytes, and above 4 KiB to the next multiple of a power of two with
// three significant bits (at most 12.5 % waste), so that near sizes share a bucket. A buffer
// released while encoded-but-unsubmitted commands may still use it can be handed out again at
// once (commands run in encoding order), but not destroyed: buffers over the pool's byte cap wait
// in `doomed` until the owner calls collect() after its next submit.

function bucketBytes(bytes: number): number {
  const b = Math.max(256, bytes);
  if (b <= 4096) return Math.ceil(b / 256) * 256;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly doomed: GPUBuffer[] = [];
  /** Every buffer this pool created and has not destroyed (free, in use, or doomed). */
  private readonly owned = new Set<GPUBuffer>();
  private pooledBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly usage: number,
    /** Free buffers above this many bytes are destroyed instead of kept. */
    private readonly maxPooledBytes: number,
  ) {}

  /** A buffer of at least `bytes` bytes (its size is the bucket's). */
  acquire(bytes: number, purpose: string): GPUBuffer {
    const size = bucketBytes(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      return reused;
    }
    const buffer = this.device.createBuffer({ label: `${this.label}: ${purpose}`, size, usage: this.usage });
    this.owned.add(buffer);
    return buffer;
  }

  /** Returns a buffer (acquired from this pool) for reuse. */
  release(buffer: GPUBuffer): void {
    if (!this.owned.has(buffer)) throw new Error(`${this.label}: released a buffer this pool does not own (${buffer.label})`);
    if (this.pooledBytes + buffer.size > this.maxPooledBytes) {
      this.doomed.push(buffer);
      return;
    }
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.pooledBytes += buffer.size;
  }

  /** Destroys the buffers released over the cap; call only once no unsubmitted commands use them. */
  collect(): void {
    for (const b of this.doomed.splice(0)) {
      this.owned.delete(b);
      b.destroy();
    }
  }

  /** Destroys everything the pool created, in use or not. */
  destroyAll(): void {
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.free.clear();
    this.doomed.length = 0;
    this.pooledBytes = 0;
  }

  /** Buffers created and not yet destroyed (for tests and diagnostics). */
  get liveBuffers(): number {
    return this.owned.size;
  }
}
