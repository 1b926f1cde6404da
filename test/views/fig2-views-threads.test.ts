// Fig. 2's deconvnet views on worker threads (src/views/view-drawers.ts): the same PNGs and
// views/status.json, byte for byte, as drawn in one thread; a worker that dies is reported naming
// the net, layer, unit and image, the views drawn before it are kept, the other net is drawn on
// fresh workers, and the next report draws the rest.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/inputs/npy/npy-read.js';
import { runPaths, topkRecordPath } from '../../src/run-dir/layout.js';
import { drawFig2Views } from '../../src/views/fig2-views.js';
import type { ViewsStatus } from '../../src/views/status.js';
import type { WorkerSource } from '../../src/platform/workers.js';
import { runOnPoolCnns } from './pool-cnn.js';

const K = 5;
let dir: string;
let probed: string;

beforeAll(() => {
  const made = runOnPoolCnns('views-threads', ['--no-views']);
  expect(made.result.code, made.result.stderr).toBe(0);
  dir = made.dir;
  probed = made.run;
});

/** A copy of the probed and aligned run, without views. */
function copyRun(name: string): string {
  const run = join(dir, name);
  cpSync(probed, run, { recursive: true });
  return run;
}

/** Every file under RUN/views/ by its path there, with its bytes. */
function viewFiles(run: string): Map<string, Buffer> {
  const root = runPaths.viewsDir(run);
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [relative(root, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name))]));
}

const statusOf = (run: string) => JSON.parse(readFileSync(runPaths.viewsStatus(run), 'utf8')) as ViewsStatus;

/** The largest image index among the filled top-k slots of `net`'s units in `status`. */
async function lastImageOf(run: string, status: ViewsStatus, net: string): Promise<number> {
  let last = -1;
  for (const key of Object.keys(status.units)) {
    const [layer, n, unit] = key.split('/');
    if (n !== net) continue;
    const topk = runPaths.reducerDir(run, 'topk', layer);
    const items = (await readNpy(topkRecordPath(topk, net, 'items'))).data;
    for (let j = 0; j < K; j++) last = Math.max(last, items[Number(unit) * K + j]);
  }
  return last;
}

/** The views worker, wrapped so that it exits (code 7) when asked to draw image `index` of net `net`. */
function dyingWorker(net: string, index: number): WorkerSource {
  const real = pathToFileURL(join(process.cwd(), 'dist/src/views/views-worker.js')).href;
  return {
    script: () => `
const { parentPort } = require('node:worker_threads');
let net = '';
import(${JSON.stringify(real)}).then(() => parentPort.on('message', (m) => {
  if (m.type === 'net') net = m.net.net;
  if (m.type === 'draw' && net === ${JSON.stringify(net)} && m.index === ${index}) process.exit(7);
}));`,
  };
}

describe('deconvnet views on worker threads', () => {
  let reference: Map<string, Buffer>;
  let one: string;

  it('3 threads draw the same PNGs and views/status.json, byte for byte, as this thread alone', async () => {
    one = copyRun('one-thread');
    const oneLog: string[] = [];
    const first = await drawFig2Views(one, { threads: 1, log: (m) => oneLog.push(m) });
    expect(first.notes).toEqual([]);
    expect(first.views).toBeGreaterThan(50);
    expect(oneLog.join('\n')).toContain('one backward pass a view, this thread)');
    reference = viewFiles(one);

    const three = copyRun('three-threads');
    const log: string[] = [];
    let shown = 0;
    const threaded = await drawFig2Views(three, { threads: 3, log: (m) => log.push(m), onView: (done) => (shown = done) });
    expect(log.join('\n')).toContain('one backward pass a view, 3 threads)');
    expect(shown).toBe(first.views);
    const files = viewFiles(three);
    expect([...files.keys()].sort()).toEqual([...reference.keys()].sort());
    expect([...files.keys()].filter((f) => f.endsWith('.png')).length).toBe(Object.keys(first.units).length);
    for (const [file, bytes] of reference) expect(files.get(file)!.equals(bytes), file).toBe(true);
    expect(threaded.drawnNow).toBe(first.drawnNow);
  });

  it('a worker that dies: named with the net, layer, unit and image; the views drawn are kept; the next report draws the rest', async () => {
    const want = statusOf(one);
    const run = copyRun('dying');
    const last = await lastImageOf(run, want, 'a');
    const status = await drawFig2Views(run, { threads: 3, workerSource: dyingWorker('a', last) });

    expect(status.notes).toHaveLength(1);
    expect(status.notes[0]).toMatch(new RegExp(`^no views of net a for \\d+ of its \\d+ units( \\(the other \\d+ are kept\\))?: image #${last} \\(layer \\w+ unit \\d+.*\\): views worker \\d: exited with code 7$`));
    // Net b is drawn whole, on fresh workers.
    const keys = (net: string, units: Record<string, string>) => Object.keys(units).filter((k) => k.split('/')[1] === net);
    expect(keys('b', status.units)).toEqual(keys('b', want.units));
    // What is listed is on disk and is what one thread draws; nothing else is left on disk.
    const files = viewFiles(run);
    const pngs = [...files.keys()].filter((f) => f.endsWith('.png'));
    expect(pngs.sort()).toEqual(Object.keys(status.units).map((k) => `units/${k}.png`).sort());
    for (const png of pngs) expect(files.get(png)!.equals(reference.get(png)!), png).toBe(true);
    for (const key of keys('a', status.units)) expect(status.units[key]).toBe(want.units[key]);
    // The units of the image it died on are not among them.
    const lostAt = [...status.notes[0].matchAll(/layer (\w+) unit (\d+)/g)].map(([, layer, unit]) => `${layer}/a/${unit}`);
    for (const key of lostAt) expect(status.units[key]).toBeUndefined();
    expect(existsSync(runPaths.viewsStatus(run))).toBe(true);

    const again = await drawFig2Views(run, { threads: 3 });
    expect(again.notes).toEqual([]);
    expect(again.drawnNow).toBe(want.views - status.views);
    const after = viewFiles(run);
    expect([...after.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [file, bytes] of reference) {
      if (file !== 'status.json') expect(after.get(file)!.equals(bytes), file).toBe(true);
    }
    expect(statusOf(run).units).toEqual(want.units);
  });
});
