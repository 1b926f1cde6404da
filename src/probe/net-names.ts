// The nets' names, checked before anything is read: they become file and column names. Pure
// (no file system): the CLI, the probes and the web page's study (src/study/) share it.
import { checkPathNames, isPlainFileName } from '../run-dir/layout.js';

export function validateNets(nets: { name: string; path: string }[]): void {
  if (nets.length < 2) throw new Error(`at least two nets are needed to compare (got ${nets.length}); use --net NAME=PATH for each`);
  validateNetNames(nets);
}

/** Net names become file and column names: letters, digits, '.', '_' and '-', each name once. */
export function validateNetNames(nets: { name: string; path: string }[]): void {
  const seen = new Set<string>();
  for (const net of nets) {
    if (!isPlainFileName(net.name)) {
      throw new Error(`net name "${net.name}" (for ${net.path}) may use letters, digits, '.', '_' and '-' only`);
    }
    if (seen.has(net.name)) throw new Error(`net name "${net.name}" is given twice`);
    seen.add(net.name);
  }
  checkPathNames('net name', nets.map((n) => n.name));
}
