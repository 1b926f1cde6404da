// Records a kernel family's work into one command encoder and submits it in batches (the forward
// kernels use it; any kernel that encodes many small dispatches can).
//
// run() only encodes: dispatches go into one compute pass of a shared encoder, and the encoder is
// submitted when someone needs the results (read, capture, upload) or when it gets long. Each
// dispatch's uniforms get their own 256-byte-aligned slot of a host-side arena that is written to
// one uniform buffer just before the submit (queue writes and submits are ordered, so the slots
// of earlier, still-running submits are not disturbed).
import { gpuLabel } from './labels.js';
import { USAGE_COPY_DST, USAGE_UNIFORM } from './usage.js';

export interface Dispatch {
  /** Kernel and node, for labels: e.g. "conv conv1". */
  label: string;
  pipeline: GPUComputePipeline;
  /** The uniform block (binding 0). */
  uniforms: Uint32Array;
  /** Storage bindings 1, 2, ... */
  storage: GPUBufferBinding[];
  workgroups: [number, number, number];
}

export class CommandRecorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly arenaData: Uint8Array;
  private arenaUsed = 0;
  private commands = 0;
  private readonly slotAlign: number;
  /** Called after each submit (the owner destroys what was waiting on it). */
  onSubmitted: () => void = () => {};
  /** Submits so far (for tests and diagnostics). */
  submits = 0;

  constructor(
    private readonly device: GPUDevice,
    /** The kernel family, for labels: e.g. "forward". */
    private readonly kernel: string,
    /** Commands per submit. */
    private readonly maxCommands = 512,
    arenaBytes = 256 * 1024,
  ) {
    this.slotAlign = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    this.arena = device.createBuffer({ label: gpuLabel(kernel, 'uniforms'), size: arenaBytes, usage: USAGE_UNIFORM | USAGE_COPY_DST });
    this.arenaData = new Uint8Array(arenaBytes);
  }

  /** Whether commands were recorded since the last submit. */
  get pending(): boolean {
    return this.commands > 0;
  }

  private getEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: gpuLabel(this.kernel, 'commands') });
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  dispatch(d: Dispatch): void {
    const bytes = d.uniforms.byteLength;
    const slot = Math.ceil(bytes / this.slotAlign) * this.slotAlign;
    if (this.arenaUsed + slot > this.arenaData.byteLength || this.commands >= this.maxCommands) this.flush();
    const offset = this.arenaUsed;
    this.arenaData.set(new Uint8Array(d.uniforms.buffer, d.uniforms.byteOffset, bytes), offset);
    this.arenaUsed += slot;
    const label = gpuLabel(`${this.kernel}.${d.label}`);
    const bindGroup = this.device.createBindGroup({
      label,
      layout: d.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.arena, offset, size: bytes } },
        ...d.storage.map((resource, i) => ({ binding: i + 1, resource })),
      ],
    });
    this.pass ??= this.getEncoder().beginComputePass({ label: gpuLabel(this.kernel, 'kernels') });
    this.pass.setPipeline(d.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(...d.workgroups);
    this.commands++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    if (this.commands >= this.maxCommands) this.flush();
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.commands++;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaUsed = 0;
    this.commands = 0;
    this.submits++;
    this.onSubmitted();
  }

  destroy(): void {
    this.endPass();
    this.encoder = null;
    this.arena.destroy();
  }
}
