// What a user would otherwise run: numpy's centred X'X (BLAS) on the same sizes, in the same run.
// A NumpyMomentWorker is one python3 process with its BLAS pinned to a number of threads
// (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS set before numpy loads: the only way to
// set them without threadpoolctl), that times one measurement per request, so that the moment bench
// can alternate its measurements with ours (./moments-alternated.ts). It waits on stdin between
// requests, costing no CPU.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export type NumpyDtype = 'float32' | 'float64';

// One request per line: {"d", "n", "dtype", "seconds"}; one answer per line: seconds per product,
// repeated until `seconds` have passed. The data of a size is made (and the product run once, to
// warm up) on its first request; a request for another d frees the previous d's arrays.
const SCRIPT = `
import json, sys, time
import numpy as np
cache = {}
print(json.dumps({'version': np.__version__}), flush=True)
for line in sys.stdin:
    q = json.loads(line)
    key = (q['d'], q['n'], q['dtype'])
    if key not in cache:
        for k in [k for k in cache if k[0] != q['d']]:
            del cache[k]
        x = np.random.default_rng(0).standard_normal((q['n'], q['d'])).astype(q['dtype'])
        xc = x - x.mean(axis=0)
        xc.T @ xc
        cache[key] = x
    x = cache[key]
    runs, start = 0, time.perf_counter()
    while True:
        xc = x - x.mean(axis=0)
        m2 = xc.T @ xc
        runs += 1
        el = time.perf_counter() - start
        if el >= q['seconds']:
            break
    print(json.dumps({'seconds': el / runs}), flush=True)
`;

// The python3 on PATH, as a user would run it (here pyenv's, where numpy is; /usr/bin/python3 has none).
const PYTHON = 'python3';

export function numpyAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0;
}

export class NumpyMomentWorker {
  private constructor(
    readonly threads: number,
    readonly version: string,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
  ) {}

  /** A python3 process with numpy's BLAS on `threads` threads; null when numpy is not available. */
  static async start(threads: number): Promise<NumpyMomentWorker | null> {
    if (!numpyAvailable()) return null;
    const t = String(threads);
    const child = spawn(PYTHON, ['-c', SCRIPT], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const reader = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`numpy worker (${threads} threads) exited: ${stderr.trim().split('\n').pop()}`);
    return new NumpyMomentWorker(threads, (JSON.parse(first.value) as { version: string }).version, child, lines, reader);
  }

  /** Seconds per centred X'X of an (n, d) `dtype` array, over at least `seconds` of repeats. */
  async measure(d: number, n: number, dtype: NumpyDtype, seconds: number): Promise<number> {
    this.child.stdin.write(`${JSON.stringify({ d, n, dtype, seconds })}\n`);
    const answer = await this.lines.next();
    if (answer.done) throw new Error(`numpy worker (${this.threads} threads) exited during d=${d} n=${n} ${dtype}`);
    return (JSON.parse(answer.value) as { seconds: number }).seconds;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('close', resolve));
    this.child.stdin.end();
    this.reader.close();
    await exited;
  }
}
