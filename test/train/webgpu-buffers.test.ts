// The trainer's buffer set on a recording stand-in for a device (no GPU needed): buffers that
// grow are destroyed once when replaced and not again by destroy(), and the bookkeeping does not
// grow with every regrow.
import { describe, expect, it } from 'vitest';
import { TrainBuffers } from '../../src/train/webgpu-buffers.js';
import { smallNet } from './nets.js';

interface FakeBuffer {
  label: string;
  size: number;
  destroyed: number;
  destroy(): void;
}

function fakeDevice(maxBinding = 1 << 30): { device: GPUDevice; created: FakeBuffer[] } {
  const created: FakeBuffer[] = [];
  const device = {
    limits: { maxStorageBufferBindingSize: maxBinding, maxBufferSize: maxBinding },
    createBuffer(d: GPUBufferDescriptor): FakeBuffer {
      const b: FakeBuffer = { label: d.label ?? '', size: d.size, destroyed: 0, destroy: () => void b.destroyed++ };
      created.push(b);
      return b;
    },
    queue: { writeBuffer() {} },
  };
  return { device: device as unknown as GPUDevice, created };
}

describe('TrainBuffers regrow', () => {
  it('destroys every buffer exactly once, replaced ones included', () => {
    const { device, created } = fakeDevice();
    const bufs = new TrainBuffers(device, smallNet(), 3);
    const initial = created.length;
    // Grow pairs and losses past their 1024 entries, three times each.
    for (const count of [1025, 3001, 5003]) {
      bufs.writePairs(count, (j) => j, () => 0);
      bufs.ensureLosses(count);
    }
    expect(created.length).toBe(initial + 6);
    expect(created.filter((b) => b.destroyed === 1).map((b) => b.label)).toEqual(expect.arrayContaining([expect.stringContaining('pairs'), expect.stringContaining('losses')]));
    bufs.destroy();
    expect(created.map((b) => b.destroyed)).toEqual(created.map(() => 1));
  });

  it('refuses a data set over the device binding limit, naming it', () => {
    const { device } = fakeDevice(1 << 20);
    const bufs = new TrainBuffers(device, smallNet(), 3);
    expect(() => bufs.ensureImages(new Float32Array((1 << 18) + 5))).toThrow(/webgpu trainer: the data set needs \d+ bytes, more than the device binds \(1048576\)/);
  });
});
