"""PyTorch reference for `convergent train` (not part of the test suite): the same LeNet, the same
recipe and the same 8,000 / 2,000 MNIST split, timed on the CPU.

Dump the digits once (after `npm run build:ts`):
  node --input-type=module -e "import {mnistTrainData} from './dist/src/train/data.js'; import {writeFileSync} from 'fs';
    const d = await mnistTrainData(); writeFileSync('/tmp/mnist-images.f32', new Float32Array(d.images));
    writeFileSync('/tmp/mnist-labels.u8', d.labels);"
then:  /usr/bin/python3 test/train/pytorch-lenet.py [--threads 2] [--lr 0.05] [--schedule linear|constant] [--seed 1]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, 10)
        for m in (self.conv1, self.conv2, self.fc1, self.fc2):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--schedule', choices=['linear', 'constant'], default='linear')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--epochs', type=int, default=4)
    p.add_argument('--batch', type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images = torch.from_numpy(np.fromfile('/tmp/mnist-images.f32', dtype=np.float32).reshape(-1, 1, 28, 28))
    labels = torch.from_numpy(np.fromfile('/tmp/mnist-labels.u8', dtype=np.uint8).astype(np.int64))
    xtr, ytr, xte, yte = images[:8000], labels[:8000], images[8000:], labels[8000:]
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4)
    steps = a.epochs * ((8000 + a.batch - 1) // a.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, (lambda k: 1 - k / steps) if a.schedule == 'linear' else (lambda k: 1.0))
    train_seconds = 0.0
    for epoch in range(a.epochs):
        net.train()
        perm = torch.randperm(8000)
        t0 = time.perf_counter()
        total = 0.0
        for s in range(0, 8000, a.batch):
            idx = perm[s:s + a.batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        dt = time.perf_counter() - t0
        train_seconds += dt
        net.eval()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f'epoch {epoch + 1}: loss {total / 8000:.4f}, held-out {100 * acc:.2f}%, {dt:.2f} s ({8000 / dt:.0f} images/s)')
    print(f'torch {torch.__version__}, {a.threads} threads: {a.epochs * 8000 / train_seconds:.0f} training images/s, {train_seconds:.2f} s training')


if __name__ == '__main__':
    main()
