// Vitest global setup: every test file (and every process a test starts: the CLI, Deno, Chromium,
// sbatch) makes its temporary folders under one fresh folder, removed when the run ends, so that
// `npm test` does not leave hundreds of run folders in the system's temp folder each time (they
// filled this machine's disk). CONVERGENT_KEEP_TEST_TMP=1 keeps it, to look at what a test wrote.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'convergent-tests-'));
  // Read by os.tmpdir() in the forks vitest starts after this, and inherited by their children.
  process.env.TMPDIR = root;
  return () => {
    if (process.env.CONVERGENT_KEEP_TEST_TMP) console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
