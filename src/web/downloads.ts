// The page's downloads: the whole run directory as a .zip (unzip it and `convergent align RUN` or
// `convergent report RUN` take it), and its files one by one: the report, the tables (CSV), each
// layer's moments (.npy) and the manifests.
import type { MemoryRun } from '../study/memory-run.js';
import { zipFiles } from '../study/zip.js';

export interface Download {
  label: string;
  fileName: string;
  bytes: Uint8Array;
  type: string;
}

function typeOf(path: string): string {
  if (path.endsWith('.html')) return 'text/html';
  if (path.endsWith('.csv')) return 'text/csv';
  if (path.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/** What the page offers, the .zip first; each file named by its path in the run, '/' made '__'. */
export function downloadsOf(run: MemoryRun): Download[] {
  const entries = run.entries();
  const prefix = `${run.root}/`;
  const wanted = (rel: string) => rel === 'report.html' || rel === 'probe.json' || rel === 'summary.json' || rel.startsWith('tables/') || rel.startsWith('moments/');
  const files = entries
    .map(([path, bytes]) => ({ rel: path.slice(prefix.length), bytes }))
    .filter(({ rel }) => wanted(rel))
    .map(({ rel, bytes }) => ({ label: rel, fileName: `${run.root}__${rel.replaceAll('/', '__')}`, bytes, type: typeOf(rel) }));
  return [{ label: `the whole run (${run.root}.zip)`, fileName: `${run.root}.zip`, bytes: zipFiles(entries), type: 'application/zip' }, ...files];
}

/** A list of links (object URLs) for `downloads`, in `list`. */
export function showDownloads(list: HTMLElement, downloads: Download[]): void {
  list.replaceChildren(
    ...downloads.map((d) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([d.bytes as Uint8Array<ArrayBuffer>], { type: d.type }));
      link.download = d.fileName;
      link.textContent = d.label;
      link.dataset.path = d.label;
      item.append(link, ` (${d.bytes.length.toLocaleString('en-US')} bytes)`);
      return item;
    }),
  );
}
