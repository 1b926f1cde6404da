// The Vega, Vega-Lite and vega-embed browser builds the report inlines, read from node_modules.
// Node-only; the web page fetches the same files from dist/web/vendor/ (scripts/build-web.mjs).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VEGA_BUILDS, vegaBuildScript } from './template.js';

let cachedLibs: Promise<string[]> | undefined;

/** The UMD builds, found next to each package's resolved entry (their exports hide build/). */
export function vegaBuilds(): Promise<string[]> {
  cachedLibs ??= Promise.all(
    VEGA_BUILDS.map(async ([pkg, file]) => {
      const entry = fileURLToPath(import.meta.resolve(pkg));
      return vegaBuildScript(pkg, file, await readFile(join(dirname(entry), file), 'utf8'));
    }),
  );
  return cachedLibs;
}
