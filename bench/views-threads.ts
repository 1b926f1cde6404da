// Fig. 2's deconvnet views on one thread against worker threads, end to end as `convergent report`
// draws them (src/views/fig2-views.ts): two Caffe-style AlexNets with seeded weights
// (./study-inputs.ts), N seeded 227 x 227 images, probed at conv5 and fc7 with semi and bipartite
// (`convergent run --no-views`), then the views drawn into fresh copies of that run, one thread
// and T threads alternately (./alternation.ts), checked to be the same files byte for byte.
//
//   node dist/bench/views-threads.js [images=24] [threads=all cores] [rounds=2]
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { drawFig2Views } from '../src/views/fig2-views.js';
import { alternate, loadLine, median } from './alternation.js';
import { runCli } from './merge-shards.js';
import { imagesPath, studyNets, writeStudyInputs } from './study-inputs.js';

function viewFiles(run: string): Map<string, string> {
  const root = join(run, 'views');
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [relative(root, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name)).toString('base64')]));
}

export async function benchViewsThreads(images: number, threads: number, rounds: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convergent-views-threads-'));
  try {
    await writeStudyInputs(dir, 2, images);
    const probed = join(dir, 'probed');
    const nets = studyNets(dir, 2).flatMap((n) => ['--net', `${n.name}=${n.path}`]);
    await runCli(['run', ...nets, '--data', imagesPath(dir), '--out', probed, '--layer', 'conv5=relu5', '--layer', 'fc7=relu7', '--method', 'semi', '--method', 'bipartite', '--backend', 'wasm', '--min-active-images', '1', '--no-views']);
    let copies = 0;
    const results = new Map<number, { views: number; files: Map<string, string> }>();
    const cpu = new Map<number, number[]>();
    const draw = (t: number) => async () => {
      const run = join(dir, `copy-${copies++}`);
      cpSync(probed, run, { recursive: true });
      const before = process.cpuUsage(); // this process's threads, workers included
      const status = await drawFig2Views(run, { threads: t });
      const used = process.cpuUsage(before);
      cpu.set(t, [...(cpu.get(t) ?? []), (used.user + used.system) / 1e6]);
      if (status.notes.length > 0) throw new Error(`views with ${t} thread(s): ${status.notes.join('; ')}`);
      results.set(t, { views: status.drawnNow, files: viewFiles(run) });
      rmSync(run, { recursive: true, force: true });
      return status.seconds;
    };
    const loadBefore = loadLine();
    const times = await alternate(rounds, [
      ['one', draw(1)],
      ['many', draw(threads)],
    ]);
    const one = results.get(1)!;
    const many = results.get(threads)!;
    const same = one.files.size === many.files.size && [...one.files].every(([f, bytes]) => many.files.get(f) === bytes);
    if (!same) throw new Error(`the views drawn on ${threads} threads are not those of one thread`);
    const [a, b] = [median(times.one), median(times.many)];
    return [
      `Two AlexNets (seeded), ${images} images, conv5 and fc7, semi + bipartite: ${one.views} views (${one.files.size - 1} PNGs), byte-identical on 1 and ${threads} threads. ${rounds} alternated rounds, medians.`,
      `Load before: ${loadBefore}; after: ${loadLine()}.`,
      '',
      '| threads | wall s (median) | rounds | ms a view | CPU s (median, all threads) |',
      '| ---: | ---: | --- | ---: | ---: |',
      `| 1 | ${a.toFixed(1)} | ${times.one.map((s) => s.toFixed(1)).join(', ')} | ${((1000 * a) / one.views).toFixed(0)} | ${median(cpu.get(1)!).toFixed(1)} |`,
      `| ${threads} | ${b.toFixed(1)} | ${times.many.map((s) => s.toFixed(1)).join(', ')} | ${((1000 * b) / many.views).toFixed(0)} | ${median(cpu.get(threads)!).toFixed(1)} |`,
      '',
      `Speed-up: ${(a / b).toFixed(2)}x.`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/dist/'))) {
  const [images = 24, threads = availableParallelism(), rounds = 2] = process.argv.slice(2).map(Number);
  console.log((await benchViewsThreads(images, threads, rounds)).join('\n'));
}
