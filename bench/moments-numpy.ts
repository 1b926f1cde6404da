// What a user would otherwise run: numpy's centred X'X (BLAS) on the same sizes, in the same run.
// Returns null when python3 with numpy is not available.
import { spawnSync } from 'node:child_process';

export interface NumpyMomentBench {
  d: number;
  n: number;
  dtype: 'float32' | 'float64';
  gflops: number;
  seconds: number;
}

const SCRIPT = `
import json, sys, time
import numpy as np
out = []
for d, n in json.loads(sys.argv[1]):
    for dtype in ('float32', 'float64'):
        x = np.random.default_rng(0).standard_normal((n, d)).astype(dtype)
        runs, start = 0, time.perf_counter()
        while True:
            xc = x - x.mean(axis=0)
            m2 = xc.T @ xc
            runs += 1
            el = time.perf_counter() - start
            if el > 1.0:
                break
        sec = el / runs
        out.append(dict(d=d, n=n, dtype=dtype, seconds=sec, gflops=2.0 * n * d * d / sec / 1e9))
print(json.dumps(out))
`;

export function numpyAvailable(): boolean {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0;
}

export function benchNumpyMoments(sizes: { d: number; n: number }[]): NumpyMomentBench[] | null {
  if (!numpyAvailable()) return null;
  const r = spawnSync('python3', ['-c', SCRIPT, JSON.stringify(sizes.map((s) => [s.d, s.n]))], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    process.stderr.write(`numpy benchmark failed: ${r.stderr}\n`);
    return null;
  }
  return JSON.parse(r.stdout) as NumpyMomentBench[];
}
