// What a user would otherwise run to train the LeNets: PyTorch on the CPU, same machine, same
// recipe and the same digits (written to a temporary file): Caffe's LeNet, batch 64, SGD with
// momentum 0.9, lr 0.01, weight decay 5e-4, 4 epochs over the 8,000 training digits shuffled every
// epoch, the held-out digits scored after every epoch (inside the timing, as ours). Runs
// /usr/bin/python3 (Debian's python3-torch) or the python3 on PATH: a dev-only tool, never needed
// by the project or CI; returns the reason instead when torch cannot be imported.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TorchTrainResult {
  /** Threads per process. */
  threads: number;
  /** Processes training at once, one net each (aggregate figures over all of them). */
  processes: number;
  seconds: number;
  imagesPerSecond: number;
  finalLoss: number;
  heldOutAccuracy: number;
  version: string;
}

// Debian's python3-torch lives in /usr/bin/python3; a pip-installed torch in the python3 on PATH.
const PYTHONS = ['/usr/bin/python3', 'python3'];
let python = PYTHONS[0];

const SCRIPT = `
import json, sys, time
import numpy as np
import torch
from torch import nn
path, train, total, epochs, threads, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(seed)
x = torch.from_numpy(np.fromfile(path + '.images', dtype=np.float32).reshape(total, 1, 28, 28))
y = torch.from_numpy(np.fromfile(path + '.labels', dtype=np.uint8).astype(np.int64))
net = nn.Sequential(
    nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
loss_fn = nn.CrossEntropyLoss()
start = time.perf_counter()
for epoch in range(epochs):
    order = torch.randperm(train)
    total_loss, batches = 0.0, 0
    for i in range(0, train, 64):
        idx = order[i:i + 64]
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total_loss += loss.item()
        batches += 1
    with torch.no_grad():
        acc = (net(x[train:]).argmax(1) == y[train:]).float().mean().item()
seconds = time.perf_counter() - start
print(json.dumps(dict(threads=threads, processes=1, seconds=seconds, imagesPerSecond=epochs * train / seconds, finalLoss=total_loss / batches, heldOutAccuracy=acc, version=torch.__version__)))
`;

/** Why PyTorch cannot run here, or null when `import torch` works (in the first of PYTHONS where it does). */
export function torchUnavailable(): string | null {
  for (const candidate of PYTHONS) {
    const r = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) {
      python = candidate;
      return null;
    }
  }
  return `neither ${PYTHONS.join(' nor ')} can import torch (apt-get install python3-torch)`;
}

function trainOnce(path: string, train: number, total: number, epochs: number, threads: number, seed: number): Promise<TorchTrainResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', SCRIPT, path, String(train), String(total), String(epochs), String(threads), String(seed)]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as TorchTrainResult);
      else reject(new Error(`PyTorch training failed: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * Trains LeNets on images[0..train) (count x 784 float32, labels 0..9), scoring the rest: for each
 * setting, `processes` nets at once (different seeds), each process on `threads` threads. Several
 * processes are how a PyTorch user would train seeds side by side; their throughput is all their
 * images over the longest process's training time.
 */
export async function benchTorchTraining(images: Float32Array, labels: Uint8Array, train: number, epochs: number, settings: { threads: number; processes: number }[]): Promise<TorchTrainResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'convergent-bench-torch-'));
  try {
    const path = join(dir, 'mnist');
    await writeFile(`${path}.images`, new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
    await writeFile(`${path}.labels`, labels);
    const results: TorchTrainResult[] = [];
    for (const { threads, processes } of settings) {
      const runs = await Promise.all(Array.from({ length: processes }, (_, k) => trainOnce(path, train, labels.length, epochs, threads, k + 1)));
      const seconds = Math.max(...runs.map((r) => r.seconds));
      const mean = (f: (r: TorchTrainResult) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
      results.push({
        threads,
        processes,
        seconds,
        imagesPerSecond: (processes * epochs * train) / seconds,
        finalLoss: mean((r) => r.finalLoss),
        heldOutAccuracy: mean((r) => r.heldOutAccuracy),
        version: runs[0].version,
      });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
